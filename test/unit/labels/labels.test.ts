/**
 * The pure parts of labels and words: the vocabulary built from a small WordNet data file (hypernyms,
 * synonyms, plurals, phrases, near words), ranking by label evidence, labels' JSON, group names.
 */
import { describe, expect, it } from 'vitest'
import { dateSpan, groupName, labelTitle, plural } from '../../../src/engine/groups/group-names.js'
import { decodeLabels, encodeLabels, evidence } from '../../../src/engine/labels/photo-labels.js'
import { CLASSES } from '../../../src/engine/labels/imagenet.js'
import {
  editDistance,
  singulars,
  Vocabulary,
  type ImageNetClass,
} from '../../../src/engine/labels/vocabulary.js'
import { rankByEvidence } from '../../../src/engine/labels/word-search.js'

/**
 * A WordNet data.noun in miniature (same line format): entity ← animal ← dog ← {golden retriever, pug},
 * animal ← bird ← heron; entity ← food ← dish ← pizza ("pizza pie" a synonym).
 */
function miniWordNet(): { data: string; classes: ImageNetClass[] } {
  const lines: Array<[string, string[], string[]]> = [
    ['entity', ['entity'], []],
    ['animal', ['animal', 'beast'], ['entity']],
    ['dog', ['dog', 'domestic_dog'], ['animal']],
    ['retriever', ['golden_retriever'], ['dog']],
    ['pug', ['pug', 'pug-dog'], ['dog']],
    ['bird', ['bird'], ['animal']],
    ['heron', ['heron'], ['bird']],
    ['food', ['food', 'nutrient'], ['entity']],
    ['dish', ['dish'], ['food']],
    ['pizza', ['pizza', 'pizza_pie'], ['dish']],
  ]
  // Offsets are byte offsets: lay the lines out and fill the pointers in a second pass (fixed width).
  const offsetOf = new Map<string, number>()
  let at = 0
  const width = (key: string, words: string[], parents: string[]) =>
    `00000000 05 n ${words.length.toString(16).padStart(2, '0')} ${words.map((w) => `${w} 0`).join(' ')} ${String(parents.length).padStart(3, '0')} ${parents.map(() => '@ 00000000 n 0000').join(' ')} | ${key}\n`
  for (const [key, words, parents] of lines) {
    offsetOf.set(key, at)
    at += width(key, words, parents).length
  }
  const pad = (n: number) => String(n).padStart(8, '0')
  const data = lines
    .map(
      ([key, words, parents]) =>
        `${pad(offsetOf.get(key)!)} 05 n ${words.length.toString(16).padStart(2, '0')} ${words.map((w) => `${w} 0`).join(' ')} ${String(parents.length).padStart(3, '0')} ${parents.map((p) => `@ ${pad(offsetOf.get(p)!)} n 0000`).join(' ')} | ${key}\n`,
    )
    .join('')
  const classes = ['retriever', 'pug', 'heron', 'pizza'].map((key, index) => ({
    index,
    wnid: `n0000000${index}`,
    name: key,
    offset: offsetOf.get(key)!,
  }))
  return { data, classes }
}

describe('vocabulary', () => {
  const { data, classes } = miniWordNet()
  const v = Vocabulary.fromData(data, classes)

  it('expands every class with its synonyms and all its hypernyms', () => {
    expect(v.lookup('dog')?.classes).toEqual([0, 1])
    expect(v.lookup('domestic dog')?.classes).toEqual([0, 1])
    expect(v.lookup('animal')?.classes).toEqual([0, 1, 2])
    expect(v.lookup('beast')?.classes).toEqual([0, 1, 2])
    expect(v.lookup('food')?.classes).toEqual([3])
    expect(v.lookup('pizza pie')?.classes).toEqual([3])
    expect(v.lookup('cat')).toBeUndefined()
    // Deeper concepts are more specific (longest path to the top).
    expect(v.concepts.get(classes[0]!.offset)!.depth).toBe(3)
  })

  it('takes plurals, phrases and stopwords in queries, and suggests near words for unknown ones', () => {
    expect(v.lookup('dogs')?.word).toBe('dog')
    expect(v.lookup('herons')?.word).toBe('heron')
    expect(singulars('daisies')).toContain('daisy')
    const parsed = v.parse('a golden retriever and a Pizza Pie on the beach')
    expect(parsed.terms.map((t) => t.word)).toEqual(['golden retriever', 'pizza pie'])
    expect(parsed.unknown).toEqual([{ word: 'beach', suggestions: ['beast'] }])
    expect(v.parse('dgo').unknown).toEqual([{ word: 'dgo', suggestions: ['dog'] }])
    expect(v.suggest('brid')).toEqual(['bird'])
    // Guesses are kept few: one edit away whatever the letter, two only with the same first letter (a
    // real word the model has no class for is not a typo: "yellow" is not "cello"), and only the nearest.
    expect(v.suggest('least')).toEqual(['beast'])
    expect(v.suggest('hiran')).toEqual(['heron'])
    expect(v.suggest('caron')).toEqual([])
    expect(v.suggest('bidr')).toEqual(['bird'])
    expect(editDistance('dgo', 'dog')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('names a group after the most specific concept most of its label mass falls under', () => {
    const retrievers = [[{ cls: 0, p: 0.9 }], [{ cls: 0, p: 0.7 }]]
    expect(labelTitle(retrievers, v)).toBe('Golden retrievers')
    const dogs = [[{ cls: 0, p: 0.8 }], [{ cls: 1, p: 0.9 }]]
    expect(labelTitle(dogs, v)).toBe('Dogs')
    const mixed = [[{ cls: 0, p: 0.9 }], [{ cls: 3, p: 0.9 }], [{ cls: 2, p: 0.9 }]]
    expect(labelTitle(mixed, v)).toBe('Animals') // 2/3 of the mass; "entity" is too general
    expect(labelTitle([[{ cls: 0, p: 0.9 }], [{ cls: 1, p: 0.1 }]], v)).toBe('Golden retrievers')
    expect(labelTitle([[{ cls: 3, p: 0.2 }]], v)).toBeNull()
    expect(groupName(dogs, v, '2021-05-02T10:00:00', '2021-05-30')).toBe('Dogs · May 2021')
    expect(groupName([], v, null, null)).toBe('Photos')
  })
})

describe('ranking and labels', () => {
  it('ranks by the label mass on the classes of every term, and drops weak evidence', () => {
    const labels = new Map([
      [
        'a',
        [
          { cls: 0, p: 0.5 },
          { cls: 1, p: 0.4 },
        ],
      ], // a dog, two breeds
      ['b', [{ cls: 1, p: 0.3 }]],
      ['c', [{ cls: 3, p: 0.95 }]],
      ['d', [{ cls: 0, p: 0.05 }]], // too little evidence
    ])
    const dog = { text: 'dog', word: 'dog', classes: [0, 1] }
    const hits = rankByEvidence([dog], labels)
    expect(hits.map((h) => h.id)).toEqual(['a', 'b'])
    expect(hits[0]!.score).toBeCloseTo(0.9)
    expect(hits[0]!.label).toBe(CLASSES[0]!.name)
    expect(rankByEvidence([dog], labels, (id) => id !== 'a').map((h) => h.id)).toEqual(['b'])
    // Two terms: the geometric mean, so a photo must give evidence for both.
    const pizza = { text: 'pizza', word: 'pizza', classes: [3] }
    expect(rankByEvidence([dog, pizza], labels)).toEqual([])
  })

  it('stores labels as WordNet ids with probabilities, and reads back only what it knows', () => {
    const json = encodeLabels([
      { cls: 207, p: 0.82345 },
      { cls: 208, p: 0.1 },
    ])
    expect(json).toBe(`[["${CLASSES[207]!.wnid}",0.8235],["${CLASSES[208]!.wnid}",0.1]]`)
    expect(decodeLabels(json)).toEqual([
      { cls: 207, p: 0.8235 },
      { cls: 208, p: 0.1 },
    ])
    expect(decodeLabels('[["n99999999",0.5],"x"]')).toEqual([])
    expect(decodeLabels('not json')).toEqual([])
    expect(decodeLabels(null)).toEqual([])
    expect(evidence(decodeLabels(json), new Set([207, 1]))).toBeCloseTo(0.8235)
  })

  it('writes titles and date spans', () => {
    expect(plural('daisy')).toBe('daisies')
    expect(plural('sports car')).toBe('sports cars')
    expect(plural('food')).toBe('food')
    expect(plural('bus')).toBe('buses')
    expect(plural('woman')).toBe('women')
    expect(dateSpan('2024-03-01', '2024-06-30')).toBe('Mar – Jun 2024')
    expect(dateSpan('2023-12-30', '2024-01-02')).toBe('Dec 2023 – Jan 2024')
    expect(dateSpan('2019-01-01', '2021-01-01')).toBe('2019 – 2021')
    expect(dateSpan(null, null)).toBeNull()
  })
})

describe('a pack without the classifier', () => {
  it('gives no labeller (a default pack built before labels, a CLIP pack), rather than an error', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
    const os = await import('node:os')
    const path = await import('node:path')
    const { onnx } = await import('../../../src/engine/models/onnx-proto.js')
    const { openLabeller } = await import('../../../src/engine/labels/photo-labels.js')
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-labeller-'))
    try {
      await writeFile(
        path.join(dir, 'visual.onnx'),
        onnx.ModelProto.encode({ graph: { name: 'cut' } }).finish(),
      )
      const manifest = {
        id: 'mobilenetv2-12-int8',
        version: '12-int8.1',
        visual: {
          file: 'visual.onnx',
          dim: 1280,
          codec: { kind: 'uint8-affine', scale: 0.02, zeroPoint: 0 },
        },
      } as unknown as Parameters<typeof openLabeller>[1]
      expect(await openLabeller(dir, manifest)).toBeNull()
      const clip = {
        ...manifest,
        visual: { ...manifest.visual, codec: { kind: 'float32' } },
      } as typeof manifest
      expect(await openLabeller(dir, clip)).toBeNull()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the classifier on stored codes', () => {
  it('gives the same logits one by one in JS and in one matrix product', async () => {
    const { logits, logitsBatch } = await import('../../../src/engine/labels/classifier.js')
    // 3 inputs, 2 classes, weights input-major as in the graph.
    const weights = Float32Array.from([0.5, -1, 2, 0.25, -0.5, 1])
    const cls = {
      inputDim: 3,
      classes: 2,
      weights,
      bias: Float32Array.from([0.1, -0.2]),
      input: { scale: 0.5, zeroPoint: 2 },
    } as unknown as Parameters<typeof logits>[0]
    const codes = [Uint8Array.from([2, 4, 6]), Uint8Array.from([0, 2, 9])]
    const plain = (a: Float32Array, n: number, k: number, b: Float32Array, m: number) => {
      const out = new Float32Array(n * m)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++)
          for (let t = 0; t < k; t++) out[i * m + j]! += a[i * k + t]! * b[t * m + j]!
      return Promise.resolve(out)
    }
    const batch = await logitsBatch(cls, codes, plain)
    // Code [2,4,6] → x = [0,2,4] · 0.5: class 0 = (0·0.5 + 2·2 + 4·(−0.5))·0.5 + 0.1 = 1.1.
    expect(batch[0]![0]).toBeCloseTo(1.1)
    codes.forEach((code, i) => expect(Array.from(batch[i]!)).toEqual(Array.from(logits(cls, code))))
  })
})
