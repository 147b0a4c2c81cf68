/**
 * Search by words with the built-in model (issue 12): typing "dog" in the search box finds the dogs, an
 * unknown word is answered with near words, a photo's tags are shown in the viewer and search again, and
 * groups carry names from their labels and dates.
 */
import { expect, photoNames, test, viewScreenshot } from './fixtures'

test.describe('words', () => {
  test.use({ perClass: 8 })

  test('search "dog" with the built-in model; near words for a typo; tags in the viewer; named groups', async ({
    page,
    tessera,
  }) => {
    await tessera.addPhotosAndWait()
    const names = await photoNames(tessera)
    await page.goto(tessera.url)
    await expect(page.getByTestId('grid-photo').first()).toBeVisible()

    // ---- "dog": the labelled results are the 8 dog photos, nothing else ----
    await page.getByTestId('search-input').fill('dog')
    await page.getByTestId('search-input').press('Enter')
    const results = page.getByTestId('search-results').getByTestId('grid-photo')
    await expect(results.first()).toBeVisible()
    await expect(page.getByTestId('search-words')).toContainText('dog')
    const ids = await results.evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-id')!))
    const shown = ids.map((id) => names.get(id)!)
    const dogs = [...names.values()].filter((n) => n.startsWith('Dog-'))
    // Every dog comes first (labels), before any look-alike that follows.
    expect(shown.slice(0, dogs.length).sort()).toEqual(dogs.sort())
    await viewScreenshot(page, 'search-words')

    // ---- a photo's tags: open the first result; its "dog" tag searches again ----
    await results.first().dblclick()
    const tags = page.getByTestId('viewer-tags')
    await expect(tags).toBeVisible()
    await expect(tags.getByTestId('viewer-tag').filter({ hasText: /^\s*dog\s*$/ })).toHaveCount(1)
    await tags
      .getByTestId('viewer-tag')
      .filter({ hasText: /^\s*dog\s*$/ })
      .click()
    await expect(page.getByTestId('search-heading')).toContainText('dog')

    // ---- a typo: said plainly, with the near word one click away ----
    await page.getByTestId('search-input').fill('dgo')
    await page.getByTestId('search-input').press('Enter')
    await expect(page.getByTestId('search-unknown')).toContainText('dgo')
    await page.getByTestId('search-suggestion').filter({ hasText: 'dog' }).click()
    await expect(page.getByTestId('search-heading')).toContainText('dog')
    await expect(results.first()).toBeVisible()
    expect(names.get((await results.first().getAttribute('data-id'))!)).toMatch(/^Dog-/)

    // ---- groups have names from their labels and dates ----
    await page.goto(`${tessera.url}#/groups`)
    const groupNames = page.getByTestId('group-name')
    await expect(groupNames.first()).toBeVisible({ timeout: 60_000 })
    const texts = await groupNames.allTextContents()
    expect(texts.some((t) => / · [A-Z][a-z]+ \d{4}$/.test(t.trim()) && !t.startsWith('Group'))).toBe(true)
    await viewScreenshot(page, 'named-groups')
  })
})
