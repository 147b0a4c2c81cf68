import fs from 'node:fs/promises'
import path from 'node:path'
import { expect, test, viewScreenshot } from './fixtures'

test('settings: the provider used and why, and a custom model pack imported and used', async ({
  page,
  tessera,
}) => {
  await tessera.addPhotosAndWait()
  await page.goto(`${tessera.url}#/settings`)
  await expect(page.getByTestId('provider-used')).toContainText(/cpu/i)
  await expect(page.getByTestId('settings-library-path')).toHaveText(tessera.libraryDir)
  await viewScreenshot(page, 'settings')

  // A custom pack: the installed default pack under an id of its own.
  const custom = path.join(path.dirname(tessera.photosDir), 'my-pack')
  await fs.cp(path.join(tessera.libraryDir, 'packs', 'mobilenetv2-12-int8'), custom, { recursive: true })
  const manifest = JSON.parse(await fs.readFile(path.join(custom, 'manifest.json'), 'utf8'))
  await fs.writeFile(
    path.join(custom, 'manifest.json'),
    JSON.stringify({ ...manifest, id: 'my-pack', name: 'My pack' }),
  )
  // A folder that is not a pack is refused in plain words.
  await page.getByText('Import a custom model pack…').click()
  await page.getByTestId('model-import-input').fill(tessera.photosDir)
  await page.getByTestId('model-import').click()
  await expect(page.getByTestId('model-import-error')).toContainText(/manifest/i)

  if (!(await page.getByTestId('model-import-input').isVisible()))
    await page.getByText('Import a custom model pack…').click()
  await page.getByTestId('model-import-input').fill(custom)
  await page.getByTestId('model-import').click()
  const row = page.locator('[data-testid=model-row][data-model="my-pack"]')
  await expect(row).toBeVisible()
  await expect(row.getByTestId('model-custom')).toBeVisible()
  await row.getByTestId('model-use').click()
  await row.getByTestId('model-use-confirm').click()
  await expect(row.getByTestId('model-active')).toBeVisible()
  // The library is re-embedded with it.
  await expect
    .poll(
      async () => {
        const s = await tessera.api<{
          model: string
          embedded: number
          photos: number
          indexing: { running: boolean }
        }>('library.status')
        return s.model === 'my-pack' && !s.indexing.running && s.embedded === s.photos
      },
      { timeout: 120_000 },
    )
    .toBe(true)
})
