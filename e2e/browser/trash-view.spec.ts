/**
 * The Trash view (issue 13, point 8): what Tessera moved, grouped by move, with Restore per photo and per
 * batch — not only the last move — and a restored photo back in the library with the same id and albums.
 */
import { existsSync } from 'node:fs'
import { expect, test, viewScreenshot } from './fixtures'

interface Detail {
  id: string
  path: string
  name: string
  albums: Array<{ id: string; name: string }>
}

test.use({ perClass: 2 })

test('the Trash view restores a photo, and a whole batch, with the same ids', async ({ page, tessera }) => {
  await tessera.addPhotosAndWait()
  const { ids } = await tessera.api<{ ids: string[] }>('library.timeline')
  const [a, b, c] = ids as [string, string, string]
  const detail = (id: string) => tessera.api<Detail>('library.photo', id)
  const [pa, pb, pc] = await Promise.all([detail(a), detail(b), detail(c)])
  const album = await tessera.api<{ id: string }>('albums.create', 'Keepers')
  await tessera.api('albums.add', album.id, [a, b])

  // Two moves: the first (a, b) is no longer the last one, which Undo would take back.
  expect(await tessera.api('trash.photos', [a, b])).toMatchObject({ moved: 2 })
  expect(await tessera.api('trash.photos', [c])).toMatchObject({ moved: 1 })
  for (const p of [pa, pb, pc]) expect(existsSync(p.path)).toBe(false)

  await page.goto(`${tessera.url}#/trash`)
  await expect(page.getByTestId('trash-view')).toBeVisible()
  const batches = page.getByTestId('trash-batch')
  await expect(batches).toHaveCount(2)
  // Newest first: c's move, then a and b's.
  await expect(batches.nth(0).getByTestId('trash-entry')).toHaveCount(1)
  await expect(batches.nth(1).getByTestId('trash-entry')).toHaveCount(2)
  await expect(page.getByTestId('trash-count')).toHaveText('3 photos in the trash')
  await expect(batches.nth(1).getByTestId('trash-name')).toHaveText([pa.name, pb.name])
  // The library still has their thumbnails: every entry shows one.
  await expect
    .poll(() =>
      page
        .$$eval('[data-testid=trash-entry] img', (imgs) =>
          (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth > 0),
        )
        .then((loaded) => loaded.length),
    )
    .toBe(3)
  await viewScreenshot(page, 'trash')

  // One photo of the older move.
  const rowA = page.locator(`[data-testid=trash-entry][data-photo-id="${a}"]`)
  await rowA.getByTestId('trash-restore').click()
  await expect(rowA).toHaveCount(0)
  await expect(page.getByTestId('trash-count')).toHaveText('2 photos in the trash')
  expect(existsSync(pa.path)).toBe(true)
  expect(existsSync(pb.path)).toBe(false)
  // Back with the same id, in its album.
  await expect
    .poll(async () => (await tessera.api<{ ids: string[] }>('library.timeline')).ids.includes(a))
    .toBe(true)
  expect((await detail(a)).albums.map((x) => x.name)).toEqual(['Keepers'])
  expect(await tessera.api<string[]>('albums.members', album.id)).toContain(a)

  // The rest of that move, as a batch.
  await batches.nth(1).getByTestId('trash-restore-batch').click()
  await expect(batches).toHaveCount(1)
  expect(existsSync(pb.path)).toBe(true)
  expect(existsSync(pc.path)).toBe(false)
  await expect
    .poll(async () => (await tessera.api<{ ids: string[] }>('library.timeline')).ids.includes(b))
    .toBe(true)
  expect((await detail(b)).path).toBe(pb.path)

  // What was put back is listed on request, and the Library shows the restored photo.
  await page.getByTestId('trash-show-restored').check()
  await expect(page.getByTestId('trash-entry')).toHaveCount(3)
  await page.getByTestId('nav-library').click()
  await expect(page.locator(`[data-testid=grid-photo][data-id="${a}"]`)).toBeVisible()
})
