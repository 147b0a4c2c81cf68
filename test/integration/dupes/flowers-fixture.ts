/** The true duplicate pairs of flowers17-40, found by eye (test/fixtures/flowers17-40-duplicates.json). */
import fs from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export interface FixturePair {
  /** "Class/image_0001.jpg", relative to the dataset folder. */
  a: string
  b: string
  edit: string
  reason: string
}

const FIXTURE = fileURLToPath(new URL('../../fixtures/flowers17-40-duplicates.json', import.meta.url))

export async function flowersDuplicates(): Promise<FixturePair[]> {
  const json = JSON.parse(await fs.readFile(FIXTURE, 'utf8')) as { pairs: FixturePair[] }
  return json.pairs
}

/** "a b" keys (sorted) of the fixture pairs. */
export async function flowersDuplicateKeys(): Promise<Set<string>> {
  return new Set((await flowersDuplicates()).map((p) => [p.a, p.b].sort().join(' ')))
}
