import fs from 'node:fs/promises'
import path from 'node:path'
import type { Page } from '@playwright/test'
import sharp from 'sharp'
import { expect, photoNames, SEED, test, viewScreenshot } from './fixtures'

/** Every tile in view shows a decoded thumbnail (not a broken image). */
async function expectThumbnails(page: Page, selector: string, atLeast: number) {
  await expect
    .poll(
      () =>
        page.$$eval(
          `${selector} img`,
          (imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth > 0).length,
        ),
      { timeout: 60_000 },
    )
    .toBeGreaterThanOrEqual(atLeast)
}

/**
 * Ctrl-clicks a tile of the virtualized grid, scrolling it into the page first: only the rows near the
 * viewport exist in the DOM.
 */
async function ctrlClickTile(page: Page, id: string) {
  const tile = page.locator(`[data-testid=grid-photo][data-id="${id}"]`)
  await page.getByTestId('grid-photo').first().hover()
  await page.mouse.wheel(0, -100_000)
  for (let i = 0; i < 200 && (await tile.count()) === 0; i++) {
    await page.mouse.wheel(0, 300)
    await page.waitForTimeout(30)
  }
  await tile.click({ modifiers: ['ControlOrMeta'] })
}

test('first run: add a folder of real photos and see them appear with thumbnails', async ({
  page,
  tessera,
}) => {
  await page.goto(tessera.url)
  await expect(page.getByTestId('welcome-folder-input')).toBeVisible()
  await viewScreenshot(page, 'welcome')
  await page.getByTestId('welcome-folder-input').fill(tessera.photosDir)
  await page.getByTestId('welcome-add').click()
  // Indexing starts at once and the grid fills in; progress stays visible.
  await expect(page.getByTestId('index-progress')).toBeVisible()
  await expect(page.getByTestId('grid-photo')).toHaveCount(15, { timeout: 150_000 })
  await expectThumbnails(page, '[data-testid=grid-photo]', 15)
  await expect(page.getByTestId('date-header').first()).toBeVisible()
  await expect(page.getByTestId('index-progress')).toContainText(/15 photos/i, { timeout: 60_000 })
  await expect(page.getByTestId('index-progress')).toContainText(/cpu/i)
  await viewScreenshot(page, 'library')
})

test('open a photo: large view, metadata, keyboard navigation and similar photos', async ({
  page,
  tessera,
}) => {
  await tessera.addPhotosAndWait()
  await page.goto(tessera.url)
  const first = page.getByTestId('grid-photo').first()
  const firstId = await first.getAttribute('data-id')
  await first.dblclick()
  const viewer = page.getByTestId('viewer')
  await expect(viewer).toBeVisible()
  await expect
    .poll(() => page.getByTestId('viewer-image').evaluate((img) => (img as HTMLImageElement).naturalWidth))
    .toBeGreaterThan(0)
  const name = (await photoNames(tessera)).get(firstId!)!
  await expect(page.getByTestId('viewer-meta')).toContainText(name)
  await expect(page.getByTestId('similar-photo')).toHaveCount(12, { timeout: 30_000 })
  await expectThumbnails(page, '[data-testid=similar-strip]', 12)
  await viewScreenshot(page, 'viewer')
  await page.keyboard.press('ArrowRight')
  await expect(page.getByTestId('viewer-meta')).not.toContainText(name)
  await page.keyboard.press('Escape')
  await expect(viewer).toBeHidden()
})

test('search by dropping an image file on the window', async ({ page, tessera }) => {
  await tessera.addPhotosAndWait()
  await page.goto(tessera.url)
  await expect(page.getByTestId('grid-photo').first()).toBeVisible()
  // A copy of a library photo, dropped from "outside": its own photo must come first.
  const names = await photoNames(tessera)
  const [dropId, dropName] = [...names.entries()].sort((a, b) => a[1].localeCompare(b[1]))[4]!
  const bytes = await fs.readFile(path.join(tessera.photosDir, dropName))
  const dataTransfer = await page.evaluateHandle(
    ({ b64, name }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([raw], name, { type: 'image/jpeg' }))
      return dt
    },
    { b64: bytes.toString('base64'), name: 'dropped.jpg' },
  )
  await page.dispatchEvent('.app', 'dragover', { dataTransfer })
  await page.dispatchEvent('.app', 'drop', { dataTransfer })
  const results = page.getByTestId('search-results').getByTestId('grid-photo')
  await expect(results.first()).toBeVisible()
  await expect(results.first()).toHaveAttribute('data-id', dropId)
  expect(await results.count()).toBeGreaterThanOrEqual(10)
  await expect(page.getByText('dropped.jpg')).toBeVisible()
})

test('review duplicates, move to the trash and undo', async ({ page, tessera }) => {
  const original = (await fs.readdir(tessera.photosDir)).sort()[0]!
  await fs.copyFile(path.join(tessera.photosDir, original), path.join(tessera.photosDir, 'Copy of photo.jpg'))
  await tessera.addPhotosAndWait()
  await page.goto(`${tessera.url}#/duplicates`)
  const group = page.getByTestId('dupe-group').first()
  await expect(group).toBeVisible({ timeout: 60_000 })
  await expect(group.getByTestId('dupe-keeper')).toBeVisible()
  await expect(group.getByTestId('dupe-reason')).not.toBeEmpty()
  await viewScreenshot(page, 'duplicates')
  const before = (await fs.readdir(tessera.photosDir)).length
  await group.getByTestId('dupe-trash').click()
  await expect.poll(async () => (await fs.readdir(tessera.photosDir)).length).toBe(before - 1)
  // The file went to the (test) trash, not away.
  expect((await fs.readdir(tessera.trashDir, { recursive: true })).some((f) => f.endsWith('.jpg'))).toBe(true)
  await page.getByTestId('toast-undo').click()
  await expect.poll(async () => (await fs.readdir(tessera.photosDir)).length).toBe(before)
  await expect(page.getByTestId('dupe-group').first()).toBeVisible()
  // Levels and the similar-shots tab answer too.
  await page.getByTestId('dupes-level-strict').click()
  await page.getByTestId('dupes-tab-similar').click()
  await expect(page.getByTestId('dupes-tab-similar')).toBeVisible()
  await expect(page.getByTestId('dupes-tab-similar')).toHaveAttribute('aria-selected', 'true')
  // The similar-shots tab lists only similar-shot groups (the exact copy is not one), or says there are none.
  await expect(page.getByTestId('dupes-summary').or(page.getByTestId('dupes-empty'))).toBeVisible()
  await expect(page.locator('[data-testid=dupe-group]:not([data-kind=similar])')).toHaveCount(0)
  // Similar shots are never trashed in bulk.
  await expect(page.getByTestId('dupes-trash-all')).toHaveCount(0)
})

test('similar shots: compared side by side with one zoom, never trashed in bulk', async ({
  page,
  tessera,
}) => {
  // Three frames of a burst (one camera, a second apart): the scene moved a little between them. The scene
  // is a seed photo the library does not hold (else it would join the burst as a near copy of a frame).
  const locations = path.join(SEED, 'Location')
  const source = path.join(locations, (await fs.readdir(locations)).sort()[10]!)
  const { width, height } = await sharp(source).metadata()
  const [w, h] = [Math.round(width! * 0.92), Math.round(height! * 0.92)]
  for (const [i, dx] of [0, 0.02, 0.04].entries()) {
    await sharp(source)
      .extract({ left: Math.round(width! * dx), top: Math.round(height! * 0.04), width: w, height: h })
      .withExif({
        IFD0: { Make: 'Canon', Model: 'EOS 80D' },
        IFD2: { DateTimeOriginal: `2024:05:01 10:00:0${i}` },
      })
      .jpeg({ quality: 92 })
      .toFile(path.join(tessera.photosDir, `Burst_${i}.jpg`))
  }
  await tessera.addPhotosAndWait()
  await page.goto(`${tessera.url}#/duplicates`)
  await expect(page.getByTestId('dupes-mirror')).toBeVisible()
  await expect(page.getByText('Also find mirrored copies')).toBeVisible()
  await expect(page.getByTestId('dupes-mirror')).not.toBeChecked()
  await page.getByTestId('dupes-tab-similar').click()
  const group = page.locator('[data-testid=dupe-group][data-kind=similar]')
  await expect(group).toHaveCount(1, { timeout: 60_000 })
  await expect(group.locator('[data-testid=dupe-keeper], [data-testid=dupe-photo]')).toHaveCount(3)
  // No bulk trash anywhere for similar shots: not for the view, not for the group.
  await expect(page.getByTestId('dupes-trash-all')).toHaveCount(0)
  await expect(group.getByTestId('dupe-trash')).toHaveCount(0)

  await group.getByTestId('dupe-review-open').click()
  const review = page.getByTestId('dupe-review')
  await expect(review).toBeVisible()
  await expect(review.getByTestId('review-image')).toHaveCount(2)
  for (const img of await review.getByTestId('review-image').all())
    await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
  // What differs: the capture time (a second apart), the name; the camera is the same.
  await expect(review.locator('[data-testid=review-diff-row][data-label="Date taken"]')).toHaveAttribute(
    'data-differs',
    'true',
  )
  await expect(review.locator('[data-testid=review-diff-row][data-label=Camera]')).toHaveAttribute(
    'data-differs',
    'false',
  )
  await expect(review.locator('[data-testid=review-diff-row][data-label=Name]')).toHaveAttribute(
    'data-differs',
    'true',
  )
  // One zoom for both: the wheel over the left picture zooms the right one too, and so do the keys.
  const transforms = () =>
    review
      .getByTestId('review-image')
      .evaluateAll((imgs) => imgs.map((i) => (i as HTMLElement).style.transform))
  await review.getByTestId('review-pane-0').locator('.pane-image').hover()
  await page.mouse.wheel(0, -400)
  await expect.poll(async () => (await transforms())[0]).toMatch(/scale\((?!1\))/)
  let [left, right] = await transforms()
  expect(right).toBe(left)
  const zoomed = await review.getByTestId('review-zoom').textContent()
  await page.keyboard.press('+')
  await expect(review.getByTestId('review-zoom')).not.toHaveText(zoomed!)
  ;[left, right] = await transforms()
  expect(right).toBe(left)
  // Another frame to compare, by key; then a view for the docs.
  await page.keyboard.press('0')
  await expect(review.getByTestId('review-zoom')).toHaveText('100 %')
  await page.keyboard.press('ArrowRight')
  await expect(review.getByTestId('review-pane-1')).toContainText('Other 2 of 2')
  await review.getByTestId('review-zoom-in').click()
  await viewScreenshot(page, 'dupes-review')
  // Only the one photo on the right can go to the trash from here.
  await expect(review.getByTestId('review-trash-one')).toHaveText('Move the other one to trash')
  await page.keyboard.press('Escape')
  await expect(review).toBeHidden()
})

test.describe('albums and training', () => {
  // Ten photos an album: half to train on, half held out to measure (fewer leave little to measure).
  test.use({ perClass: 10 })

  test('create albums, add photos, train, see before/after and accept', async ({ page, tessera }) => {
    await tessera.addPhotosAndWait()
    const names = await photoNames(tessera)
    const classes = [...new Set([...names.values()].map((n) => n.split('-')[0]!))].sort().slice(0, 3)
    await page.goto(tessera.url)
    await expect(page.getByTestId('grid-photo').first()).toBeVisible()
    for (const cls of classes) {
      await page.getByTestId('nav-albums').click()
      await page.getByTestId('album-new-name').fill(cls)
      await page.getByTestId('album-create').click()
      await expect(page.getByTestId('album-card').filter({ hasText: cls })).toBeVisible()
      // Select this class's photos in the library (ctrl-click), then add them from the album.
      await page.getByTestId('nav-library').click()
      await page.keyboard.press('Escape')
      for (const [id, name] of names) if (name.startsWith(`${cls}-`)) await ctrlClickTile(page, id)
      await page.getByTestId('nav-albums').click()
      await page.getByTestId('album-card').filter({ hasText: cls }).click()
      await page.getByTestId('album-add-selection').click()
      await expect(page.getByTestId('album-photos').getByTestId('grid-photo')).toHaveCount(10)
    }
    await expect(page.getByTestId('album-suggestions')).toBeVisible()
    await viewScreenshot(page, 'albums')

    // Export the albums as a file, lose one, and get it back by importing that file.
    await page.getByTestId('album-back').click()
    const download = page.waitForEvent('download')
    await page.getByTestId('albums-export').click()
    const file = await (await download).path()
    const exported = await fs.readFile(file, 'utf8')
    for (const cls of classes) expect(exported).toContain(`"${cls}"`)
    await tessera.api('albums.delete', classes[0])
    await expect(page.getByTestId('album-card')).toHaveCount(2)
    await page.getByTestId('albums-import').setInputFiles(file)
    await expect(page.getByTestId('album-card')).toHaveCount(3)
    await expect(page.getByTestId('album-card').filter({ hasText: classes[0]! })).toContainText('10')
    const albums = await tessera.api<Array<{ name: string; count: number }>>('albums.list')
    expect(albums.map((a) => [a.name, a.count])).toEqual(classes.map((c) => [c, 10]))

    await page.getByTestId('nav-training').click()
    await page.getByTestId('train-start').click()
    await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 120_000 })
    await expect(page.getByTestId('train-before')).toContainText(/0\.\d{3}|1\.000/)
    await expect(page.getByTestId('train-after')).toContainText(/0\.\d{3}|1\.000/)
    await expect(page.getByTestId('train-loss-chart')).toBeVisible()
    await viewScreenshot(page, 'training')
    await page.getByTestId('train-accept').click()
    await expect
      .poll(
        async () =>
          (await tessera.api<Array<{ kind: string; active: boolean }>>('heads.list')).find((h) => h.active)
            ?.kind,
      )
      .toBe('arcface')
    await expect(
      page
        .getByTestId('head-row')
        .filter({ hasText: /arcface/i })
        .first(),
    ).toBeVisible()
  })
})

test('a file that cannot be read appears under Problems with a plain reason', async ({ page, tessera }) => {
  await fs.writeFile(
    path.join(tessera.photosDir, 'truncated.jpg'),
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
  )
  await tessera.addPhotosAndWait()
  await page.goto(tessera.url)
  await page.getByTestId('nav-problems').click()
  const row = page.getByTestId('problem-row')
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('truncated.jpg')
  await expect(row).toContainText(/damaged|incomplete|truncated|corrupt|not a valid/i)
})
