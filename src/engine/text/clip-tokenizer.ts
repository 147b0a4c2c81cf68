/**
 * CLIP's byte-level BPE tokenizer, ported from openai/CLIP `clip/simple_tokenizer.py` and `clip.tokenize`
 * (the same ids as Hugging Face's CLIPTokenizer for openai/clip-vit-base-patch32, whose vocab.json and
 * merges.txt the CLIP pack ships):
 *
 *  1. clean: ftfy, HTML unescape ×2, collapse white space, lower-case (clean-text.ts);
 *  2. split with CLIP's pattern: the two special tokens, the contractions 's 't 're 've 'm 'll 'd, runs of
 *     letters, single digits, runs of anything else that is not white space;
 *  3. map each piece's UTF-8 bytes to printable characters (`bytes_to_unicode`);
 *  4. BPE: the last symbol of a word carries "</w>"; the lowest-ranked adjacent pair in merges.txt is merged
 *     everywhere, repeatedly, until no pair has a rank;
 *  5. ids from vocab.json, framed as <|startoftext|> … <|endoftext|>, cut to the context length with the end
 *     token kept last (`clip.tokenize(..., truncate=True)`), then padded.
 *
 * Padding is 0, as `clip.tokenize` does. Hugging Face pads with the end token (49407) instead; the text
 * model reads its output at the first end token (the argmax of the ids for openai/clip-vit-base-patch32)
 * and its attention is causal, so what follows that token cannot change the embedding. With 0 the end
 * token is also the only maximum, so nothing depends on how ArgMax breaks ties.
 *
 * A piece missing from the vocabulary becomes the unknown token, which for CLIP is <|endoftext|> (as in
 * Hugging Face). With the real vocabulary this cannot happen: it holds all 256 byte symbols, alone and
 * with "</w>", and the result of every merge.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { cleanText } from './clean-text.js'

export const START_OF_TEXT = '<|startoftext|>'
export const END_OF_TEXT = '<|endoftext|>'
/** `clip.tokenize`'s default and every released CLIP's text context. */
export const DEFAULT_CONTEXT_LENGTH = 77
/** simple_tokenizer.py keeps merges.txt lines 1 .. 49152-256-2 (48,894 merges); so does Hugging Face. */
export const MAX_MERGES = 49152 - 256 - 2

/** vocab.json or merges.txt is missing, unreadable or not a CLIP tokenizer file. */
export class ClipTokenizerError extends Error {
  override readonly name = 'ClipTokenizerError'
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message)
  }
}

/**
 * GPT-2/CLIP's reversible byte → character table: printable Latin-1 bytes map to themselves, the other 68
 * (controls, space, DEL, 0x80–0xA0, soft hyphen) to U+0100 onwards, in byte order. Index i of the returned
 * array is byte i. The vocabulary's first 256 ids are these characters in the order
 * `bytes_to_unicode().values()` lists them: printable bytes first, then the remapped ones.
 */
export function bytesToUnicode(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)
  const table: string[] = []
  let n = 0
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : 256 + n++))
  return table
}

/** The characters in vocabulary order (`list(bytes_to_unicode().values())`). */
export function byteSymbolsInVocabOrder(): string[] {
  const table = bytesToUnicode()
  const isPrintable = (b: number) => table[b]!.charCodeAt(0) === b
  const bytes = [...Array(256).keys()]
  return [...bytes.filter(isPrintable), ...bytes.filter((b) => !isPrintable(b))].map((b) => table[b]!)
}

const BYTE_TO_CHAR = bytesToUnicode()

// simple_tokenizer.py's `pat`, compiled with re.IGNORECASE. It runs on lower-cased text, so the flag only
// matters for the special tokens (and for case-folded look-alikes such as the Kelvin sign, as in Python).
const PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}]+/giu

const SPECIALS = new Set([START_OF_TEXT, END_OF_TEXT])
const CACHE_LIMIT = 20_000
const utf8 = new TextEncoder()

/** One pre-tokenised piece as byte symbols ("😊" → "ðŁĺĬ"); special tokens are left as they are. */
function toByteSymbols(piece: string): string {
  if (SPECIALS.has(piece)) return piece
  let out = ''
  for (const b of utf8.encode(piece)) out += BYTE_TO_CHAR[b]!
  return out
}

/**
 * Steps 1–3 without BPE: the cleaned text split by CLIP's pattern, each piece as byte symbols. Joining a
 * word's BPE tokens (minus "</w>") gives back its entry here.
 */
export function preTokenize(text: string): string[] {
  return Array.from(cleanText(text).matchAll(PATTERN), (m) => toByteSymbols(m[0]))
}

function isTokenIdMap(value: unknown): value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.values(value).every((v) => Number.isSafeInteger(v) && (v as number) >= 0)
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'it does not exist' : (err as Error).message
    throw new ClipTokenizerError(`Cannot read the CLIP ${what} ${file}: ${why}.`, file)
  }
}

export class ClipTokenizer {
  readonly startId: number
  readonly endId: number
  /** The id a piece missing from the vocabulary gets: the end token, as Hugging Face's unk_token. */
  readonly unknownId: number
  private readonly cache = new Map<string, readonly string[]>()

  private constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    /** "first second" → rank (line order in merges.txt). */
    private readonly ranks: ReadonlyMap<string, number>,
  ) {
    this.startId = vocab.get(START_OF_TEXT)!
    this.endId = vocab.get(END_OF_TEXT)!
    this.unknownId = this.endId
  }

  /** Entries in vocab.json. */
  get vocabSize(): number {
    return this.vocab.size
  }

  /** Distinct merges in use (from at most MAX_MERGES lines). */
  get mergeCount(): number {
    return this.ranks.size
  }

  /** Reads Hugging Face's vocab.json (token → id) and merges.txt ("#version" line, then "a b" per line). */
  static async load(vocabPath: string, mergesPath: string): Promise<ClipTokenizer> {
    const [vocabText, mergesText] = await Promise.all([
      readText(vocabPath, 'vocabulary (vocab.json)'),
      readText(mergesPath, 'merges file (merges.txt)'),
    ])
    return ClipTokenizer.fromText(vocabText, mergesText, vocabPath, mergesPath)
  }

  /**
   * Reads Hugging Face's tokenizer.json (one file holding `model.vocab` and `model.merges`), as published
   * next to CLIP exports by Transformers.js and Immich. The merges keep their order, which is their rank.
   */
  static async loadTokenizerJson(file: string): Promise<ClipTokenizer> {
    return ClipTokenizer.fromTokenizerJson(await readText(file, 'tokenizer (tokenizer.json)'), file)
  }

  /** The same from the file's contents; the name is only for messages. */
  static fromTokenizerJson(text: string, name = 'tokenizer.json'): ClipTokenizer {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new ClipTokenizerError(
        `The CLIP tokenizer ${name} is not valid JSON (${(err as Error).message}).`,
        name,
      )
    }
    const model = (parsed as { model?: { type?: unknown; vocab?: unknown; merges?: unknown } } | null)?.model
    if (!model || (model.type !== undefined && model.type !== 'BPE') || !Array.isArray(model.merges)) {
      throw new ClipTokenizerError(
        `The CLIP tokenizer ${name} has no BPE model (expected "model": { "type": "BPE", "vocab", "merges" }).`,
        name,
      )
    }
    // Merges are "a b" strings (tokenizers < 0.20) or ["a", "b"] pairs (newer files).
    const lines: string[] = []
    for (const [i, m] of (model.merges as unknown[]).entries()) {
      if (typeof m === 'string') lines.push(m)
      else if (Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === 'string'))
        lines.push(m.join(' '))
      else throw new ClipTokenizerError(`The CLIP tokenizer ${name} has a malformed merge #${i + 1}.`, name)
    }
    if (lines.length === 0) throw new ClipTokenizerError(`The CLIP tokenizer ${name} has no merges.`, name)
    return ClipTokenizer.fromText(JSON.stringify(model.vocab ?? null), `${lines.join('\n')}\n`, name, name)
  }

  /** The tokenizer a pack's manifest names: tokenizer.json, or vocab.json + merges.txt. */
  static async loadForPack(
    packDir: string,
    text: { tokenizerFile?: string; vocabFile?: string; mergesFile?: string },
  ): Promise<ClipTokenizer> {
    if (text.tokenizerFile) return ClipTokenizer.loadTokenizerJson(path.join(packDir, text.tokenizerFile))
    if (!text.vocabFile || !text.mergesFile) {
      throw new ClipTokenizerError(
        'The pack names no tokenizer (tokenizer.json, or vocab.json and merges.txt).',
        packDir,
      )
    }
    return ClipTokenizer.load(path.join(packDir, text.vocabFile), path.join(packDir, text.mergesFile))
  }

  /** The same from the files' contents; the names are only for messages. */
  static fromText(
    vocabText: string,
    mergesText: string,
    vocabName = 'vocab.json',
    mergesName = 'merges.txt',
  ): ClipTokenizer {
    let parsed: unknown
    try {
      parsed = JSON.parse(vocabText)
    } catch (err) {
      throw new ClipTokenizerError(
        `The CLIP vocabulary ${vocabName} is not valid JSON (${(err as Error).message}).`,
        vocabName,
      )
    }
    if (!isTokenIdMap(parsed)) {
      throw new ClipTokenizerError(
        `The CLIP vocabulary ${vocabName} must be a JSON object mapping each token to a whole number id.`,
        vocabName,
      )
    }
    const vocab = new Map(Object.entries(parsed))
    const missing = [START_OF_TEXT, END_OF_TEXT].filter((t) => !vocab.has(t))
    if (missing.length > 0) {
      throw new ClipTokenizerError(
        `The CLIP vocabulary ${vocabName} has no ${missing.join(' or ')} token; it is not a CLIP vocabulary.`,
        vocabName,
      )
    }

    // A header alone is a valid (byte-level only) merges file; an empty one is a broken file.
    if (mergesText.trim() === '') {
      throw new ClipTokenizerError(`The CLIP merges file ${mergesName} is empty.`, mergesName)
    }
    const lines = mergesText.split(/\r?\n/)
    const ranks = new Map<string, number>()
    // Line 1 is the "#version: 0.2" header, which simple_tokenizer.py skips unconditionally; a file without
    // it is accepted too. A merge's rank is its line's position; blank lines (the trailing newline) carry no
    // merge, and a repeated pair keeps its last rank, as `dict(zip(merges, range(len(merges))))` does.
    const start = lines[0]?.startsWith('#version') ? 1 : 0
    const end = Math.min(lines.length, start + MAX_MERGES)
    for (let i = start; i < end; i++) {
      const line = lines[i]!.trim()
      if (line === '') continue
      const parts = line.split(/\s+/)
      if (parts.length !== 2) {
        throw new ClipTokenizerError(
          `The CLIP merges file ${mergesName} has a malformed line ${i + 1} ("${line.slice(0, 40)}"): expected two symbols separated by a space.`,
          mergesName,
        )
      }
      ranks.set(`${parts[0]} ${parts[1]}`, i - start)
    }
    return new ClipTokenizer(vocab, ranks)
  }

  /** The BPE tokens of one pre-tokenised word (byte symbols), "</w>" on the last one. */
  private bpe(word: string): readonly string[] {
    if (SPECIALS.has(word)) return [word]
    const cached = this.cache.get(word)
    if (cached) return cached

    // Byte symbols are all single UTF-16 units (U+0021..U+0143), so the string's units are the symbols.
    let symbols = word.split('')
    symbols[symbols.length - 1] += '</w>'
    while (symbols.length > 1) {
      let best: string | undefined
      let bestRank = Infinity
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`)
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank
          best = `${symbols[i]} ${symbols[i + 1]}`
        }
      }
      if (best === undefined) break
      const [first, second] = best.split(' ') as [string, string]
      // Merge every occurrence, left to right, without overlaps.
      const merged: string[] = []
      for (let i = 0; i < symbols.length;) {
        if (symbols[i] === first && i < symbols.length - 1 && symbols[i + 1] === second) {
          merged.push(first + second)
          i += 2
        } else {
          merged.push(symbols[i]!)
          i += 1
        }
      }
      symbols = merged
    }

    if (this.cache.size >= CACHE_LIMIT) this.cache.clear()
    this.cache.set(word, symbols)
    return symbols
  }

  /**
   * The BPE tokens of `text` (no start or end token). With `limit`, stops once that many are found: a
   * pasted essay is not tokenised past what the context can hold.
   */
  tokenize(text: string, limit = Infinity): string[] {
    const out: string[] = []
    for (const match of cleanText(text).matchAll(PATTERN)) {
      if (out.length >= limit) break
      out.push(...this.bpe(toByteSymbols(match[0])))
    }
    return limit < out.length ? out.slice(0, limit) : out
  }

  /** The token ids of `text` (no start or end token); `limit` as in tokenize(). */
  encodeIds(text: string, limit = Infinity): number[] {
    return this.tokenize(text, limit).map((t) => this.vocab.get(t) ?? this.unknownId)
  }

  /**
   * `clip.tokenize(text, context_length, truncate=True)[0]`: <|startoftext|>, the text's ids, <|endoftext|>,
   * cut to `contextLength` with the end token kept last, then zero padding.
   */
  encode(text: string, contextLength = DEFAULT_CONTEXT_LENGTH): BigInt64Array {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new RangeError(`The context length must be a whole number of at least 2, got ${contextLength}.`)
    }
    const ids = this.encodeIds(text, contextLength - 2)
    const out = new BigInt64Array(contextLength) // zeros: the padding
    out[0] = BigInt(this.startId)
    ids.forEach((id, i) => (out[i + 1] = BigInt(id)))
    out[ids.length + 1] = BigInt(this.endId)
    return out
  }
}
