/**
 * A subset of the HTML5 named character references, enough for search text: everything in ISO Latin-1,
 * the markup characters, and the typographic punctuation people paste from web pages. Python's
 * `html.entities.html5` (used by CLIP's `html.unescape`) has about 2,200 names; the missing ones are left
 * as typed, which only matters for text that spells out rare entities such as `&checkmark;`.
 *
 * Keys are written as in `html.entities.html5`: `name;`, plus the bare `name` for the "legacy" references
 * HTML lets through without a semicolon (the Latin-1 set and &amp; &lt; &gt; &quot;, some in upper case).
 */

/** Code points 160..255 in order (HTML 4's Latin-1 entity set); all are legacy names. */
// prettier-ignore
const LATIN1 = [
  'nbsp', 'iexcl', 'cent', 'pound', 'curren', 'yen', 'brvbar', 'sect', 'uml', 'copy', 'ordf', 'laquo',
  'not', 'shy', 'reg', 'macr', 'deg', 'plusmn', 'sup2', 'sup3', 'acute', 'micro', 'para', 'middot',
  'cedil', 'sup1', 'ordm', 'raquo', 'frac14', 'frac12', 'frac34', 'iquest', 'Agrave', 'Aacute', 'Acirc',
  'Atilde', 'Auml', 'Aring', 'AElig', 'Ccedil', 'Egrave', 'Eacute', 'Ecirc', 'Euml', 'Igrave', 'Iacute',
  'Icirc', 'Iuml', 'ETH', 'Ntilde', 'Ograve', 'Oacute', 'Ocirc', 'Otilde', 'Ouml', 'times', 'Oslash',
  'Ugrave', 'Uacute', 'Ucirc', 'Uuml', 'Yacute', 'THORN', 'szlig', 'agrave', 'aacute', 'acirc', 'atilde',
  'auml', 'aring', 'aelig', 'ccedil', 'egrave', 'eacute', 'ecirc', 'euml', 'igrave', 'iacute', 'icirc',
  'iuml', 'eth', 'ntilde', 'ograve', 'oacute', 'ocirc', 'otilde', 'ouml', 'divide', 'oslash', 'ugrave',
  'uacute', 'ucirc', 'uuml', 'yacute', 'thorn', 'yuml',
]

/** Legacy references outside Latin-1 (also accepted without the semicolon). */
// prettier-ignore
const LEGACY_OTHER: Record<string, number> = {
  amp: 0x26, AMP: 0x26, lt: 0x3c, LT: 0x3c, gt: 0x3e, GT: 0x3e, quot: 0x22, QUOT: 0x22, COPY: 0xa9, REG: 0xae,
}

/** References that need their semicolon. */
// prettier-ignore
const SEMICOLON_ONLY: Record<string, number> = {
  apos: 0x27, OElig: 0x152, oelig: 0x153, Scaron: 0x160, scaron: 0x161, Yuml: 0x178, fnof: 0x192,
  circ: 0x2c6, tilde: 0x2dc, ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009, zwnj: 0x200c, zwj: 0x200d,
  lrm: 0x200e, rlm: 0x200f, ndash: 0x2013, mdash: 0x2014, lsquo: 0x2018, rsquo: 0x2019, sbquo: 0x201a,
  ldquo: 0x201c, rdquo: 0x201d, bdquo: 0x201e, dagger: 0x2020, Dagger: 0x2021, bull: 0x2022,
  hellip: 0x2026, permil: 0x2030, prime: 0x2032, Prime: 0x2033, lsaquo: 0x2039, rsaquo: 0x203a,
  euro: 0x20ac, trade: 0x2122, larr: 0x2190, uarr: 0x2191, rarr: 0x2192, darr: 0x2193, minus: 0x2212,
  hearts: 0x2665, nbsp: 0xa0,
}

function build(): Map<string, string> {
  const table = new Map<string, string>()
  const add = (name: string, cp: number, legacy: boolean) => {
    const ch = String.fromCodePoint(cp)
    table.set(`${name};`, ch)
    if (legacy) table.set(name, ch)
  }
  LATIN1.forEach((name, i) => add(name, 160 + i, true))
  for (const [name, cp] of Object.entries(LEGACY_OTHER)) add(name, cp, true)
  for (const [name, cp] of Object.entries(SEMICOLON_ONLY)) if (!table.has(`${name};`)) add(name, cp, false)
  return table
}

/** `name;` or legacy `name` → the character(s), as `html.entities.html5` maps them. */
export const HTML5_ENTITIES: ReadonlyMap<string, string> = build()
