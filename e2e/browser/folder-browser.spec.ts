/**
 * Browser mode has no native folder dialog: "Choose a photos folder…" opens the server's folder browser,
 * which starts at the home folder, shows system folders disabled with the reason, goes into a folder
 * with a click (or to a typed path), and adds the folder shown.
 */
import path from 'node:path'
import { expect, test } from './fixtures'

test.use({ perClass: 2 })

test('first run in a browser: choose the photos folder in the folder browser', async ({ page, tessera }) => {
  await page.goto(tessera.url)
  await page.getByTestId('welcome-pick').click()
  const dialog = page.getByTestId('folder-browser')
  await expect(dialog).toBeVisible()
  // It starts at the home folder (the server's).
  await expect(page.getByTestId('browser-path')).toHaveValue(/\S/)
  // The file system's root lists system folders, disabled, with the reason.
  await page.getByTestId('browser-path').fill('/')
  await page.getByTestId('browser-path').press('Enter')
  const etc = page.locator('[data-testid=browser-entry][data-name="etc"]')
  await expect(etc).toBeDisabled()
  await expect(etc).toContainText(/system folder/i)
  // Go to the folder above the photos, then into it with a click.
  await page.getByTestId('browser-path').fill(path.dirname(tessera.photosDir))
  await page.getByTestId('browser-path').press('Enter')
  await page.locator(`[data-testid=browser-entry][data-name="${path.basename(tessera.photosDir)}"]`).click()
  await expect(page.getByTestId('browser-path')).toHaveValue(tessera.photosDir)
  await page.getByTestId('browser-up').click()
  await expect(page.getByTestId('browser-path')).toHaveValue(path.dirname(tessera.photosDir))
  await page.locator(`[data-testid=browser-entry][data-name="${path.basename(tessera.photosDir)}"]`).click()
  await page.getByTestId('browser-choose').click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('grid-photo')).toHaveCount(10, { timeout: 150_000 })
  expect((await tessera.api<{ roots: string[] }>('library.status')).roots).toEqual([tessera.photosDir])
})
