/**
 * Issue 13's interface: a timeline you can travel (the year scrubber), the offline world map of places,
 * the folder tree, one selection bar in every view, and search filters shown as removable chips.
 * Photos come with EXIF dates (five years) and GPS positions (four cities), in one folder per trip.
 */
import path from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test, viewScreenshot, type Tessera } from './fixtures'
import { writeGeoPhotos, type GeoPhoto } from './geo-photos'

test.use({ perClass: 0 })

const PER_CLASS = 10

async function setUp(page: Page, tessera: Tessera): Promise<GeoPhoto[]> {
  const photos = await writeGeoPhotos(tessera.photosDir, PER_CLASS)
  await tessera.addPhotosAndWait()
  await expect
    .poll(async () => (await tessera.api<{ embedded: number }>('library.status')).embedded, {
      timeout: 120_000,
    })
    .toBe(photos.length)
  await page.goto(tessera.url)
  await expect(page.getByTestId('grid-photo').first()).toBeVisible()
  return photos
}

/** The label of the month section at the top of the library's grid. */
function topSection(page: Page) {
  return page.evaluate(() => {
    const scroller = document.querySelector('.library .scroller')!
    const top = scroller.getBoundingClientRect().top
    const headers = [...document.querySelectorAll('[data-testid=date-header]')]
    // The last header above the middle of the first screenful.
    let label = ''
    for (const h of headers) if (h.getBoundingClientRect().top <= top + 120) label = h.textContent ?? ''
    return label.trim()
  })
}

test('the scrubber travels to a year, the world map opens a place, the folder tree filters', async ({
  page,
  tessera,
}) => {
  const photos = await setUp(page, tessera)

  // ---- timeline: newest first, one section per month, a year scrubber beside the grid ----
  await expect(page.getByTestId('date-header').first()).toContainText('2024')
  const years = page.getByTestId('scrubber-year')
  await expect(years.filter({ hasText: '2012' })).toBeVisible()
  await viewScreenshot(page, 'timeline')
  await years.filter({ hasText: '2015' }).click()
  await expect.poll(() => topSection(page)).toMatch(/2015/)
  expect(await page.locator('.library .scroller').evaluate((el) => el.scrollTop)).toBeGreaterThan(0)
  // Bigger thumbnails (Ctrl +) mean fewer columns; oldest first puts 2012 on top.
  const tileWidth = () =>
    page
      .getByTestId('grid-photo')
      .first()
      .evaluate((t) => t.getBoundingClientRect().width)
  const before = await tileWidth()
  await page.getByTestId('thumbs-larger').click()
  await expect.poll(tileWidth).toBeGreaterThan(before)
  await page.getByTestId('thumbs-smaller').click()
  await expect.poll(tileWidth).toBeCloseTo(before, 0)
  await page.getByTestId('sort-oldest').click()
  await expect(page.getByTestId('date-header').first()).toContainText('2012')
  await page.getByTestId('sort-newest').click()

  // ---- places: one cluster per city, a click lists its photos, they open in the viewer ----
  await page.getByTestId('nav-places').click()
  const clusters = page.getByTestId('places-cluster')
  await expect(clusters).toHaveCount(4, { timeout: 30_000 })
  const counts = await clusters.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.count)))
  expect(counts.sort()).toEqual([PER_CLASS, PER_CLASS, PER_CLASS, PER_CLASS])
  await expect(page.getByTestId('places-count')).toContainText(`${4 * PER_CLASS} photos`)
  // Paris is the Dog trip (the first class): from west to east, New York, Paris, Tokyo, Sydney.
  const paris = photos.filter((p) => p.city?.name === 'Paris').map((p) => path.basename(p.file))
  const boxes = await clusters.evaluateAll((els) =>
    els.map((e) => ({ x: e.getBoundingClientRect().x, n: e.getAttribute('data-count') })),
  )
  const order = boxes.map((b, i) => ({ ...b, i })).sort((a, b) => a.x - b.x)
  await clusters.nth(order[1]!.i).click()
  const panel = page.getByTestId('places-panel')
  await expect(panel.getByTestId('grid-photo')).toHaveCount(PER_CLASS)
  await expect(panel.getByTestId('grid-photo').first()).toHaveAttribute('title', new RegExp(paris.join('|')))
  await viewScreenshot(page, 'places')
  await panel.getByTestId('grid-photo').first().dblclick()
  await expect(page.getByTestId('viewer')).toBeVisible()
  // The viewer says where the photo was taken and where its date came from.
  await expect(page.getByTestId('viewer-meta-place')).toHaveText('Paris, France')
  await expect(page.getByTestId('viewer-meta-date')).toContainText('2012')
  await expect(page.getByTestId('viewer-date-source')).toContainText('camera (EXIF)')
  // Opening a photo does not select it.
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('viewer')).toBeHidden()
  await expect(page.getByTestId('selection-bar')).toBeHidden()

  // ---- folders: the tree of the watched folder with counts; a click filters the grid ----
  await page.getByTestId('nav-folders').click()
  const newYork = page.getByTestId('folder-node').filter({ hasText: '2018 New York' })
  await expect(page.getByTestId('folder-node').first()).toContainText(String(photos.length))
  await expect(newYork).toContainText(String(PER_CLASS))
  await newYork.click()
  const grid = page.getByTestId('folder-grid')
  await expect(grid.getByTestId('grid-photo')).toHaveCount(PER_CLASS)
  await expect(grid.getByTestId('library-title')).toHaveText('2018 New York')
  await expect(grid.getByTestId('date-header').first()).toContainText('2018')
  await viewScreenshot(page, 'folders')
})

test('one selection bar in Search, Groups and Albums; filters are chips; opening never selects', async ({
  page,
  tessera,
}) => {
  test.setTimeout(240_000)
  const photos = await setUp(page, tessera)
  const albumId = (await tessera.api<{ id: string }>('albums.create', 'Picked')).id
  const albumCount = async () =>
    (await tessera.api<Array<{ id: string; count: number }>>('albums.list')).find((a) => a.id === albumId)
      ?.count

  // A double click opens a photo and leaves the selection as it was (empty).
  const first = page.getByTestId('grid-photo').first()
  await first.dblclick()
  await expect(page.getByTestId('viewer')).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('selection-bar')).toBeHidden()

  // ---- Search: "Find similar" from the library's selection, then act on a result ----
  await first.click()
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected')
  await page.getByTestId('selection-similar').click()
  const results = page.getByTestId('search-results').getByTestId('grid-photo')
  await expect(results.first()).toBeVisible()
  const total = await results.count()
  await results.nth(1).click()
  await results.nth(2).click({ modifiers: ['ControlOrMeta'] })
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected')
  await page.getByTestId('selection-add-album').click()
  await page.getByTestId('album-option').filter({ hasText: 'Picked' }).click()
  await expect.poll(albumCount).toBe(2)

  // A folder filter is a chip; removing it searches again without it.
  await page.getByTestId('selection-clear').click()
  const folder = photos[0]!.folder
  await page.getByTestId('filter-folder').fill(folder)
  await page.getByTestId('filter-folder').press('Enter')
  const chip = page.getByTestId('filter-chip')
  await expect(chip).toHaveCount(1)
  await expect(chip).toContainText(folder)
  await expect.poll(() => results.count()).toBeLessThanOrEqual(PER_CLASS)
  await chip.getByTestId('filter-chip-remove').click()
  await expect(chip).toHaveCount(0)
  await expect(page.getByTestId('filter-folder')).toHaveValue('')
  await expect.poll(() => results.count()).toBe(total)
  // "Find similar" starts clean unless the filters are kept.
  await page.getByTestId('filter-folder').fill(folder)
  await page.getByTestId('filter-folder').press('Enter')
  await expect(chip).toHaveCount(1)
  await results.first().click()
  await page.getByTestId('selection-similar').click()
  await expect(chip).toHaveCount(0)
  await expect.poll(() => results.count()).toBe(total)
  // Leaving Search empties the search box.
  await page.getByTestId('search-input').fill('something')
  await page.getByTestId('nav-library').click()
  await expect(page.getByTestId('search-input')).toHaveValue('')

  // ---- Groups: select in a group, "Show in folder" opens its folder in the Folders view ----
  await page.getByTestId('nav-groups').click()
  await page.getByTestId('group-card').first().click()
  const groupTile = page.getByTestId('group-photos').getByTestId('grid-photo').first()
  const groupId = (await groupTile.getAttribute('data-id'))!
  await groupTile.click()
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected')
  await page.getByTestId('selection-folder').click()
  const detail = await tessera.api<{ folder: string }>('library.photo', groupId)
  await expect(page.getByTestId('folder-grid').getByTestId('library-title')).toHaveText(
    path.basename(detail.folder),
  )
  await expect(page.locator(`[data-testid=folder-grid] [data-id="${groupId}"]`)).toHaveAttribute(
    'aria-selected',
    'true',
  )

  // ---- Albums: select in an album and move it to the trash from the same bar ----
  await page.getByTestId('selection-clear').click()
  await page.getByTestId('nav-albums').click()
  await page.getByTestId('album-card').filter({ hasText: 'Picked' }).click()
  const albumTiles = page.getByTestId('album-photos').getByTestId('grid-photo')
  await expect(albumTiles).toHaveCount(2)
  await albumTiles.first().click()
  await page.getByTestId('selection-trash').click()
  await expect(albumTiles).toHaveCount(1)
  await expect.poll(albumCount).toBe(1)
  await expect(page.getByTestId('toast').filter({ hasText: 'Moved 1 photo to the trash' })).toBeVisible()

  // ---- at 800 px wide, the Heads table's headers stay apart and readable; heads have human names ----
  await page.setViewportSize({ width: 800, height: 800 })
  await page.getByTestId('nav-training').click()
  await expect(page.getByTestId('head-row').first()).toContainText(/^(Base|Trained) \d{1,2} \w{3}/)
  const headers = await page.locator('table.heads th').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect()
      return { left: r.left, right: r.right, fits: e.scrollWidth <= e.clientWidth }
    }),
  )
  for (const [i, h] of headers.entries()) {
    expect(h.fits).toBe(true)
    if (i > 0) expect(h.left).toBeGreaterThanOrEqual(headers[i - 1]!.right - 0.5)
  }
})
