/**
 * The CLIP tokenizer on hand-made vocabularies whose ids can be worked out by hand, plus what can be checked
 * against the real tokenizer's published outputs without its 49,408-entry vocabulary (clip-reference.ts).
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  byteSymbolsInVocabOrder,
  bytesToUnicode,
  ClipTokenizer,
  ClipTokenizerError,
  END_OF_TEXT,
  preTokenize,
  START_OF_TEXT,
} from '../../../src/engine/text/clip-tokenizer.js'
import { writeTinyClipPack } from '../../fixtures/tiny-clip.js'
import {
  BUMBLEBEE_INPUTS,
  HF_INTEGRATION,
  REAL_END_ID,
  REAL_START_ID,
  REAL_VOCAB_SIZE,
} from './clip-reference.js'

let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-clip-tokenizer-'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let fileCount = 0
async function files(vocab: unknown, merges: string): Promise<{ vocab: string; merges: string }> {
  const dir = path.join(root, `t${fileCount++}`)
  await mkdir(dir)
  const v = path.join(dir, 'vocab.json')
  const m = path.join(dir, 'merges.txt')
  await writeFile(v, typeof vocab === 'string' ? vocab : JSON.stringify(vocab))
  await writeFile(m, merges)
  return { vocab: v, merges: m }
}

async function load(vocab: unknown, merges: string): Promise<ClipTokenizer> {
  const f = await files(vocab, merges)
  return ClipTokenizer.load(f.vocab, f.merges)
}

/**
 * A vocabulary laid out like the real one: the 256 byte symbols (id = position), the same with "</w>"
 * (id = 256 + position), one entry per merge, then the two special tokens.
 */
function clipLayout(merges: Array<[string, string]>): { vocab: Record<string, number>; merges: string } {
  const bytes = byteSymbolsInVocabOrder()
  const tokens = [
    ...bytes,
    ...bytes.map((b) => `${b}</w>`),
    ...merges.map(([a, b]) => a + b),
    START_OF_TEXT,
    END_OF_TEXT,
  ]
  return {
    vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
    merges: `#version: 0.2\n${merges.map((m) => m.join(' ')).join('\n')}\n`,
  }
}

/** Id of a single ASCII character in clipLayout (and in the real vocabulary): printable bytes come first, from "!". */
const ascii = (c: string, endOfWord = false) => c.charCodeAt(0) - 0x21 + (endOfWord ? 256 : 0)

const ids = (a: BigInt64Array) => Array.from(a, Number)

describe('bytes_to_unicode', () => {
  it('maps the 256 bytes to 256 distinct printable characters, as GPT-2 and CLIP do', () => {
    const table = bytesToUnicode()
    expect(new Set(table).size).toBe(256)
    expect(table[0x41]).toBe('A') // printable bytes stay themselves
    expect(table[0xe9]).toBe('é')
    expect(table[0x00]).toBe('\u0100') // the 68 others go to U+0100.., in byte order
    expect(table[0x20]).toBe('Ġ') // space
    expect(table[0x7f]).toBe('\u0121')
    expect(table[0x80]).toBe('\u0122')
    expect(table[0xad]).toBe('\u0143') // soft hyphen, the last one
  })

  it('orders the vocabulary’s first 256 ids like the real one: the single-symbol tokens of the HF reference match', () => {
    const order = byteSymbolsInVocabOrder()
    expect(order[0]).toBe('!') // id 0 is "!" (what zero padding decodes to)
    let checked = 0
    HF_INTEGRATION.tokens.forEach((token, i) => {
      const base = token.replace(/<\/w>$/, '')
      if (base.length !== 1) return
      expect(order.indexOf(base) + (token.endsWith('</w>') ? 256 : 0), token).toBe(HF_INTEGRATION.ids[i])
      checked++
    })
    expect(checked).toBe(29) // a</w> 320, s 82, .</w> 269, æ 162, ļ 248, Ľ</w> 505, …
    expect(ascii('a', true)).toBe(320)
  })
})

describe('pre-tokenisation against the real tokenizer', () => {
  it('cleans, splits and byte-maps the HF integration input exactly as openai/clip-vit-base-patch32 does', () => {
    // Joining each word's BPE tokens gives the pre-tokenised word; this checks everything but the merges.
    const words: string[] = []
    let current = ''
    for (const token of HF_INTEGRATION.tokens) {
      if (token.endsWith('</w>')) {
        words.push(current + token.slice(0, -4))
        current = ''
      } else current += token
    }
    expect(HF_INTEGRATION.tokens).toHaveLength(HF_INTEGRATION.ids.length)
    expect(preTokenize(HF_INTEGRATION.text)).toEqual(words)
  })

  it('splits punctuation runs, single digits, letters runs and the contractions', () => {
    expect(preTokenize('Hello, world!! 2024')).toEqual(['hello', ',', 'world', '!!', '2', '0', '2', '4'])
    expect(preTokenize("it's the dog's ball; we'll see, I'd say")).toEqual([
      'it',
      "'s",
      'the',
      'dog',
      "'s",
      'ball',
      ';',
      'we',
      "'ll",
      'see',
      ',',
      'i',
      "'d",
      'say',
    ])
    expect(preTokenize("they're I'm we've can't")).toEqual([
      'they',
      "'re",
      'i',
      "'m",
      'we',
      "'ve",
      'can',
      "'t",
    ])
    // Curly apostrophes are straightened first (ftfy), so they split the same way.
    expect(preTokenize('don’t')).toEqual(['don', "'t"])
    // A contraction needs its letters right after the quote; otherwise quotes are punctuation.
    expect(preTokenize("''d 'x")).toEqual(["''", 'd', "'", 'x'])
    expect(preTokenize('  ')).toEqual([])
  })

  it('maps non-ASCII text through its UTF-8 bytes', () => {
    expect(preTokenize('😊 café')).toEqual(['ðŁĺĬ', 'cafÃ©'])
    // A combining accent is NFC-composed first; a Thai vowel sign (a mark, not a letter) stands alone.
    expect(preTokenize('cafe\u0301')).toEqual(['cafÃ©'])
    expect(preTokenize('ปี')).toEqual(['à¸Ľ', 'à¸µ'])
  })

  it('keeps the special tokens whole, whatever their case', () => {
    expect(preTokenize('a <|endoftext|> b <|StartOfText|>')).toEqual(['a', END_OF_TEXT, 'b', START_OF_TEXT])
  })
})

describe('BPE on a hand-made vocabulary', () => {
  it('reproduces Hugging Face’s own hand-made CLIP tokenizer test ("lower newer")', async () => {
    // tests/models/clip/test_tokenization_clip.py: vocab, merges and expected tokens and ids as published.
    // prettier-ignore
    const vocab = ['l', 'o', 'w', 'e', 'r', 's', 't', 'i', 'd', 'n', 'lo', 'l</w>', 'w</w>', 'r</w>', 't</w>',
      'low</w>', 'er</w>', 'lowest</w>', 'newer</w>', 'wider', '<unk>', START_OF_TEXT, END_OF_TEXT]
    const tok = await load(
      Object.fromEntries(vocab.map((t, i) => [t, i])),
      '#version: 0.2\nl o\nlo w</w>\ne r</w>',
    )
    expect(tok.tokenize('lower newer')).toEqual(['lo', 'w', 'er</w>', 'n', 'e', 'w', 'er</w>'])
    expect(tok.encodeIds('lower newer')).toEqual([10, 2, 16, 9, 3, 2, 16])
    expect(ids(tok.encode('lower newer', 10))).toEqual([21, 10, 2, 16, 9, 3, 2, 16, 22, 0])
  })

  it('applies merges in rank order, not in text order', async () => {
    // "hel" → h e l</w>. Ranked first, "e l</w>" wins; ranked first, "h e" wins.
    const a = clipLayout([
      ['e', 'l</w>'],
      ['h', 'e'],
    ])
    const b = clipLayout([
      ['h', 'e'],
      ['e', 'l</w>'],
    ])
    const ta = await load(a.vocab, a.merges)
    const tb = await load(b.vocab, b.merges)
    expect(ta.tokenize('hel')).toEqual(['h', 'el</w>'])
    expect(ta.encodeIds('hel')).toEqual([ascii('h'), 512])
    expect(tb.tokenize('hel')).toEqual(['he', 'l</w>'])
    expect(tb.encodeIds('hel')).toEqual([512, ascii('l', true)])
  })

  it('merges every occurrence of the best pair left to right, then keeps merging', async () => {
    const one = clipLayout([['a', 'a']])
    // a a a a</w>: "a a" merges at 0-1, then a at 2 cannot pair with a</w> → aa a a</w>.
    expect((await load(one.vocab, one.merges)).tokenize('aaaa')).toEqual(['aa', 'a', 'a</w>'])
    const all = clipLayout([
      ['a', 'a'],
      ['a', 'a</w>'],
      ['aa', 'aa</w>'],
    ])
    const tok = await load(all.vocab, all.merges)
    expect(tok.tokenize('aaaa')).toEqual(['aaaa</w>'])
    expect(tok.encodeIds('aaaa')).toEqual([514])
    expect(tok.tokenize('aaa')).toEqual(['aa', 'a</w>'])
  })

  it('adds "</w>" to the last symbol of each word only', async () => {
    const { vocab, merges } = clipLayout([['d', 'o']])
    const tok = await load(vocab, merges)
    expect(tok.tokenize('a')).toEqual(['a</w>'])
    expect(tok.encodeIds('a')).toEqual([320]) // the real "a</w>" id too
    expect(tok.tokenize('do dog')).toEqual(['d', 'o</w>', 'do', 'g</w>'])
    expect(tok.encodeIds('do dog')).toEqual([ascii('d'), ascii('o', true), 512, ascii('g', true)])
    expect(tok.tokenize('dog!')).toEqual(['do', 'g</w>', '!</w>'])
    expect(tok.encodeIds('!')).toEqual([256])
  })

  it('tokenises emoji and accents byte by byte, with ids from the byte layout', async () => {
    const { vocab, merges } = clipLayout([['Ã', '©</w>']])
    const tok = await load(vocab, merges)
    const order = byteSymbolsInVocabOrder()
    expect(tok.tokenize('😊')).toEqual(['ð', 'Ł', 'ĺ', 'Ĭ</w>'])
    expect(tok.encodeIds('😊')).toEqual([
      order.indexOf('ð'),
      order.indexOf('Ł'),
      order.indexOf('ĺ'),
      256 + order.indexOf('Ĭ'),
    ])
    // By hand: 0xF0 is printable (ð: 94 + 12 + (0xF0 - 0xAE) = 172); 0x9F, 0x98, 0x8A are remapped and come
    // after the 188 printable bytes, 0x80.. from id 222 (222 + 0x1F, 222 + 0x18, 256 + 222 + 0x0A).
    expect(tok.encodeIds('😊')).toEqual([172, 253, 246, 488])
    expect(tok.tokenize('café')).toEqual(['c', 'a', 'f', 'Ã©</w>'])
    expect(tok.encodeIds('café').at(-1)).toBe(512)
  })

  it('splits contractions off as their own words', async () => {
    const { vocab, merges } = clipLayout([["'", 's</w>']])
    const tok = await load(vocab, merges)
    expect(tok.tokenize("dog's")).toEqual(['d', 'o', 'g</w>', "'s</w>"])
    expect(tok.encodeIds("dog's").at(-1)).toBe(512)
  })

  it('maps special tokens typed in the text to their ids, as CLIP does', async () => {
    const { vocab, merges } = clipLayout([['a', 'b']])
    const tok = await load(vocab, merges)
    expect(tok.encodeIds('ab <|endoftext|> ab')).toEqual([
      ascii('a'),
      ascii('b', true),
      tok.endId,
      ascii('a'),
      ascii('b', true),
    ])
    expect(tok.startId).toBe(513)
    expect(tok.endId).toBe(514)
  })

  it('gives a piece missing from the vocabulary the unknown id, <|endoftext|> (as Hugging Face)', async () => {
    const vocab = { a: 0, 'a</w>': 1, [START_OF_TEXT]: 2, [END_OF_TEXT]: 3 }
    const tok = await load(vocab, '#version: 0.2\n')
    expect(tok.unknownId).toBe(3)
    expect(tok.encodeIds('a b')).toEqual([1, 3])
  })

  it('returns the same tokens for a word the second time (cache)', async () => {
    const { vocab, merges } = clipLayout([
      ['c', 'a'],
      ['ca', 't</w>'],
    ])
    const tok = await load(vocab, merges)
    const first = tok.tokenize('cat cat cats')
    expect(first).toEqual(['cat</w>', 'cat</w>', 'ca', 't', 's</w>'])
    expect(tok.tokenize('cat cat cats')).toEqual(first)
  })
})

describe('model input framing', () => {
  it('frames the ids with the start and end tokens and pads with zeros to the context length', async () => {
    const { vocab, merges } = clipLayout([['d', 'o']])
    const tok = await load(vocab, merges)
    const out = tok.encode('a dog')
    expect(out).toBeInstanceOf(BigInt64Array)
    expect(out).toHaveLength(77)
    expect(ids(out.subarray(0, 5))).toEqual([tok.startId, 320, 512, ascii('g', true), tok.endId])
    expect(ids(out.subarray(5)).every((v) => v === 0)).toBe(true)
    expect(ids(tok.encode(''))).toEqual([tok.startId, tok.endId, ...Array(75).fill(0)])
  })

  it('truncates to the context length keeping the end token last (clip.tokenize truncate=True)', async () => {
    const { vocab, merges } = clipLayout([])
    const tok = await load(vocab, merges)
    const a = ascii('a', true)
    const b = ascii('b', true)
    const c = ascii('c', true)
    const d = ascii('d', true)
    const [s, e] = [tok.startId, tok.endId]
    expect(ids(tok.encode('a b c d e f g', 6))).toEqual([s, a, b, c, d, e])
    expect(ids(tok.encode('a b c d', 6))).toEqual([s, a, b, c, d, e]) // fits exactly
    expect(ids(tok.encode('a b c', 6))).toEqual([s, a, b, c, e, 0])
    const long = tok.encode('word '.repeat(10_000))
    expect(long).toHaveLength(77)
    expect(Number(long[0])).toBe(s)
    expect(Number(long[76])).toBe(e)
    expect(ids(long).filter((v) => v === e)).toHaveLength(1)
    expect(() => tok.encode('a', 1)).toThrow(RangeError)
  })

  it('tokenises the tiny CLIP pack’s vocabulary (the integration tests’ stand-in)', async () => {
    const pack = await writeTinyClipPack(path.join(root, 'tiny'))
    const tok = await ClipTokenizer.loadTokenizerJson(path.join(pack.dir, 'tokenizer.json'))
    const v = pack.vocab
    // "and" has no merges in this vocabulary: a n d</w>. "cat" is cut: 8 ids leave room for 6 tokens.
    const want = ['<|startoftext|>', 'a</w>', 'dog</w>', 'a', 'n', 'd</w>', 'a</w>', '<|endoftext|>']
    expect(ids(tok.encode('A DOG and a cat', 8))).toEqual(want.map((t) => v[t]))
  })
})

describe('loading errors', () => {
  const good = clipLayout([['a', 'b']])

  it('names a missing vocabulary or merges file', async () => {
    const f = await files(good.vocab, good.merges)
    const gone = path.join(root, 'nope', 'vocab.json')
    await expect(ClipTokenizer.load(gone, f.merges)).rejects.toThrow(ClipTokenizerError)
    await expect(ClipTokenizer.load(gone, f.merges)).rejects.toThrow(
      `Cannot read the CLIP vocabulary (vocab.json) ${gone}: it does not exist.`,
    )
    const noMerges = path.join(root, 'nope', 'merges.txt')
    await expect(ClipTokenizer.load(f.vocab, noMerges)).rejects.toMatchObject({
      name: 'ClipTokenizerError',
      file: noMerges,
      message: `Cannot read the CLIP merges file (merges.txt) ${noMerges}: it does not exist.`,
    })
  })

  it('refuses a vocabulary that is not JSON, not a token → id object, or lacks the special tokens', async () => {
    await expect(load('{"a": 1,', good.merges)).rejects.toThrow(/vocab\.json is not valid JSON/)
    await expect(load(['a', 'b'], good.merges)).rejects.toThrow(/must be a JSON object mapping each token/)
    await expect(load({ a: 1.5, [START_OF_TEXT]: 2, [END_OF_TEXT]: 3 }, good.merges)).rejects.toThrow(
      /mapping each token to a whole number id/,
    )
    await expect(load({ a: -1, [START_OF_TEXT]: 2, [END_OF_TEXT]: 3 }, good.merges)).rejects.toThrow(
      /whole number id/,
    )
    await expect(load({ a: 0, [START_OF_TEXT]: 1 }, good.merges)).rejects.toThrow(
      /has no <\|endoftext\|> token; it is not a CLIP vocabulary/,
    )
  })

  it('refuses a malformed or empty merges file (a header alone is byte-level BPE)', async () => {
    await expect(load(good.vocab, '#version: 0.2\na b\nthree symbols here\n')).rejects.toThrow(
      /merges\.txt has a malformed line 3 \("three symbols here"\)/,
    )
    await expect(load(good.vocab, '\n')).rejects.toThrow(/merges\.txt is empty/)
    expect((await load(good.vocab, '#version: 0.2\n')).mergeCount).toBe(0)
  })

  it('accepts CRLF line endings and a file without the #version header', async () => {
    const tok = await load(good.vocab, 'a b\r\n')
    expect(tok.mergeCount).toBe(1)
    expect(tok.tokenize('ab')).toEqual(['a', 'b</w>']) // "a b" merges a with b, not with b</w>
  })
})

// The real vocabulary is not in the repository (about 1.4 MB): ../shared/models/clip-tokenizer beside the
// clone holds it (vocab.json and merges.txt rebuilt from openai/CLIP's BPE file, byte-identical to the Hub's;
// see its README), or TESSERA_CLIP_TOKENIZER_DIR names another folder. CI always has it: there a missing
// folder fails the tests instead of skipping them.
const REAL_DIR =
  process.env.TESSERA_CLIP_TOKENIZER_DIR ??
  path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../shared/models/clip-tokenizer')
const haveReal =
  existsSync(path.join(REAL_DIR, 'vocab.json')) && existsSync(path.join(REAL_DIR, 'merges.txt'))

describe.skipIf(!haveReal && !process.env.CI)(`the real CLIP vocabulary (${REAL_DIR})`, () => {
  let tok: ClipTokenizer
  beforeAll(async () => {
    tok = await ClipTokenizer.load(path.join(REAL_DIR, 'vocab.json'), path.join(REAL_DIR, 'merges.txt'))
  })

  it('reads the same vocabulary from Hugging Face’s tokenizer.json (what the CLIP packs ship)', async () => {
    const vocab = JSON.parse(await readFile(path.join(REAL_DIR, 'vocab.json'), 'utf8')) as Record<
      string,
      number
    >
    const merges = (await readFile(path.join(REAL_DIR, 'merges.txt'), 'utf8'))
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
    // Both spellings of a merge that tokenizers has used: "a b" strings and ["a", "b"] pairs.
    for (const list of [merges, merges.map((m) => m.split(' '))]) {
      const fromJson = ClipTokenizer.fromTokenizerJson(
        JSON.stringify({ model: { type: 'BPE', vocab, merges: list } }),
      )
      expect([fromJson.vocabSize, fromJson.mergeCount]).toEqual([tok.vocabSize, tok.mergeCount])
      expect(fromJson.encodeIds(HF_INTEGRATION.text)).toEqual(HF_INTEGRATION.ids)
      for (const { text } of BUMBLEBEE_INPUTS)
        expect(ids(fromJson.encode(text))).toEqual(ids(tok.encode(text)))
    }
  })

  it('has the real layout', () => {
    expect(tok.vocabSize).toBe(REAL_VOCAB_SIZE)
    expect([tok.startId, tok.endId]).toEqual([REAL_START_ID, REAL_END_ID])
  })

  it('matches Hugging Face’s integration tokens and ids', () => {
    expect(tok.tokenize(HF_INTEGRATION.text)).toEqual(HF_INTEGRATION.tokens)
    expect(tok.encodeIds(HF_INTEGRATION.text)).toEqual(HF_INTEGRATION.ids)
  })

  it('matches Bumblebee’s model inputs', () => {
    for (const { text, ids: want } of BUMBLEBEE_INPUTS) {
      expect(ids(tok.encode(text)).slice(0, want.length), text).toEqual(want)
    }
  })
})
