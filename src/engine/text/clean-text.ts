/**
 * CLIP's text cleaning, as in openai/CLIP `simple_tokenizer.py`:
 *
 *   basic_clean(text)      = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
 *   whitespace_clean(text) = re.sub(r'\s+', ' ', text).strip()
 *   encode() tokenises      whitespace_clean(basic_clean(text)).lower()
 *
 * `fixText` is an "ftfy-lite": ftfy 6's default `fix_text` steps in ftfy's order, looped until nothing
 * changes, except `fix_encoding` (mojibake detection such as "cafÃ©" → "café"), which needs ftfy's
 * statistical badness model and is left out. `htmlUnescape` ports Python's `html.unescape` rules (numeric
 * references, the Windows-1252 remapping, legacy names without semicolons, longest-prefix matching) over
 * the entity subset in html-entities.ts.
 */
import { HTML5_ENTITIES } from './html-entities.js'

// Windows-1252 for 0x80..0x9F; the five undefined bytes stay themselves (ftfy's "sloppy" codec, and
// Python's html._invalid_charrefs).
// prettier-ignore
const CP1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
]

const cp1252 = (code: number): string => String.fromCodePoint(CP1252_C1[code - 0x80]!)

// ---------------------------------------------------------------------------------------------------
// html.unescape

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g

/** Python's html._invalid_codepoints: references to these decode to nothing. */
function isInvalidCodepoint(n: number): boolean {
  return (
    (n >= 0x1 && n <= 0x8) ||
    n === 0xb ||
    (n >= 0xe && n <= 0x1f) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) ||
    (n & 0xfffe) === 0xfffe // U+xFFFE and U+xFFFF of every plane (n ≤ 0x10FFFF here)
  )
}

function replaceCharref(ref: string): string {
  if (ref.startsWith('#')) {
    const hex = ref[1] === 'x' || ref[1] === 'X'
    const num = Number.parseInt(ref.slice(hex ? 2 : 1).replace(/;$/, ''), hex ? 16 : 10)
    if (num === 0) return '\ufffd'
    if (num === 0x0d) return '\r'
    if (num >= 0x80 && num <= 0x9f) return cp1252(num)
    if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd'
    if (isInvalidCodepoint(num)) return ''
    return String.fromCodePoint(num)
  }
  const whole = HTML5_ENTITIES.get(ref)
  if (whole !== undefined) return whole
  // The longest prefix that is a name HTML accepts without a semicolon ("&notit;" → "¬it;").
  for (let x = ref.length - 1; x > 1; x--) {
    const prefix = HTML5_ENTITIES.get(ref.slice(0, x))
    if (prefix !== undefined) return prefix + ref.slice(x)
  }
  return `&${ref}`
}

/** Python's `html.unescape`. */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(CHARREF, (_match, ref: string) => replaceCharref(ref))
}

// ---------------------------------------------------------------------------------------------------
// ftfy-lite

/** ftfy's own entity table: `&name;` forms, and upper-cased lower-case names ("&EACUTE;" → "É"). */
const FTFY_ENTITIES: ReadonlyMap<string, string> = (() => {
  const table = new Map<string, string>()
  for (const [name, ch] of HTML5_ENTITIES) {
    if (!name.endsWith(';')) continue
    table.set(`&${name}`, ch)
    if (name === name.toLowerCase()) {
      const upper = `&${name.toUpperCase()}`
      if (htmlUnescape(upper) === upper) table.set(upper, ch.toUpperCase())
    }
  }
  return table
})()

const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g

function ftfyUnescapeHtml(text: string): string {
  return text.replace(FTFY_ENTITY, (entity) => {
    const known = FTFY_ENTITIES.get(entity)
    if (known !== undefined) return known
    if (entity.startsWith('&#')) {
      const unescaped = htmlUnescape(entity)
      return unescaped.includes(';') ? entity : unescaped
    }
    return entity
  })
}

// prettier-ignore
const LIGATURES: Record<string, string> = {
  'Ĳ': 'IJ', 'ĳ': 'ij', 'ŉ': 'ʼn', 'Ǳ': 'DZ', 'ǲ': 'Dz', 'ǳ': 'dz', 'Ǆ': 'DŽ', 'ǅ': 'Dž', 'ǆ': 'dž',
  'Ǉ': 'LJ', 'ǈ': 'Lj', 'ǉ': 'lj', 'Ǌ': 'NJ', 'ǋ': 'Nj', 'ǌ': 'nj',
  'ﬀ': 'ff', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ﬃ': 'ffi', 'ﬄ': 'ffl', 'ﬅ': 'ſt', 'ﬆ': 'st',
}
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'gu')

// eslint-disable-next-line no-control-regex -- ftfy.fixes.remove_terminal_escapes matches ESC on purpose
const ANSI_ESCAPE = /\u001b\[((?:\d|;)*)([a-zA-Z])/g
const CONTROL_CHARS =
  // eslint-disable-next-line no-control-regex -- ftfy.chardata.CONTROL_CHARS: these are what it removes
  /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u206a-\u206f\ufeff\ufff9-\ufffc\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}]/gu
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

const FIXERS: ReadonlyArray<(text: string) => string> = [
  // fix_c1_controls
  (t) => t.replace(/[\u0080-\u009f]/g, (c) => cp1252(c.charCodeAt(0))),
  // fix_latin_ligatures
  (t) => t.replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c),
  // fix_character_width: full-width and half-width forms, and the ideographic space
  (t) => t.replace(/[\u3000\uff01-\uffef]/g, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC'))),
  // uncurl_quotes
  (t) => t.replace(/[\u2018-\u201b]/g, "'").replace(/[\u201c-\u201f]/g, '"'),
  // fix_line_breaks
  (t) => t.replace(/\r\n/g, '\n').replace(/[\r\u2028\u2029\u0085]/g, '\n'),
  // fix_surrogates (JavaScript strings already pair surrogates; a lone one becomes U+FFFD)
  (t) => t.replace(LONE_SURROGATE, '\ufffd'),
  // remove_terminal_escapes
  (t) => t.replace(ANSI_ESCAPE, ''),
  // remove_control_chars
  (t) => t.replace(CONTROL_CHARS, ''),
]

/** ftfy's `fix_text` with the default configuration, minus mojibake repair (see the file comment). */
export function fixText(text: string): string {
  // ftfy's unescape_html="auto": text with a "<" is taken to be HTML, whose entities are kept.
  const unescape = !text.includes('<')
  for (let round = 0; round < 16; round++) {
    const before = text
    if (unescape) text = ftfyUnescapeHtml(text)
    for (const fix of FIXERS) text = fix(text)
    text = text.normalize('NFC')
    if (text === before) break
  }
  return text
}

// ---------------------------------------------------------------------------------------------------
// CLIP's cleaning

// Python's `str.strip()` and the `regex` module's `\s` both follow Unicode White_Space (JavaScript's `\s`
// would also take U+FEFF, which an "&#xfeff;" reference can produce).
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu
const SPACES = /\p{White_Space}+/gu

/** `basic_clean`: ftfy, then HTML unescaping twice, then strip. */
export function basicClean(text: string): string {
  return htmlUnescape(htmlUnescape(fixText(text))).replace(EDGE_SPACE, '')
}

/** `whitespace_clean`: runs of white space become one space; strip. */
export function whitespaceClean(text: string): string {
  return text.replace(SPACES, ' ').replace(EDGE_SPACE, '')
}

/** Exactly what CLIP tokenises: `whitespace_clean(basic_clean(text)).lower()`. */
export function cleanText(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase()
}
