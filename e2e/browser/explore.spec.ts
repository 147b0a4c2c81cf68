import { expect, test, viewScreenshot } from './fixtures'

test.describe('groups and Explore', () => {
  test.use({ perClass: 8 })

  test('an automatic group becomes an album in one step; Explore draws every photo', async ({
    page,
    tessera,
  }) => {
    await tessera.addPhotosAndWait()
    await page.goto(`${tessera.url}#/groups`)
    const card = page.getByTestId('group-card').first()
    await expect(card).toBeVisible({ timeout: 60_000 })
    const groups = await tessera.api<{ groups: Array<{ id: string; photos: string[] }> }>('groups.list')
    const cardId = await card.getAttribute('data-id')
    const first = groups.groups.find((g) => g.id === cardId)!
    await viewScreenshot(page, 'groups')
    await card.click()
    await expect(page.getByTestId('group-photos').getByTestId('grid-photo')).toHaveCount(first.photos.length)
    await page.getByTestId('group-make-album').first().click()
    await page.getByTestId('album-name-input').fill('From a group')
    await page.getByTestId('album-name-submit').click()
    await expect
      .poll(
        async () =>
          (await tessera.api<Array<{ name: string; count: number }>>('albums.list')).find(
            (a) => a.name === 'From a group',
          )?.count,
      )
      .toBe(first.photos.length)

    await page.getByTestId('nav-explore').click()
    const canvas = page.getByTestId('map-canvas')
    await expect(canvas).toBeVisible()
    // Something is drawn: the canvas is not blank.
    await expect
      .poll(
        () =>
          canvas.evaluate((c) => {
            const el = c as HTMLCanvasElement
            const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data
            const first = data.slice(0, 4).join()
            for (let i = 0; i < data.length; i += 4 * 97)
              if (data.slice(i, i + 4).join() !== first) return true
            return false
          }),
        { timeout: 60_000 },
      )
      .toBe(true)
    await expect(page.getByTestId('map-legend')).toContainText('From a group')
    await viewScreenshot(page, 'explore')
  })
})
