/**
 * CLIP's cleaning: ftfy-lite, Python's html.unescape (twice), white space, lower case. Expected values are
 * ftfy's and Python's documented behaviour (ftfy docs and tests, the html module's rules).
 */
import { describe, expect, it } from 'vitest'
import {
  basicClean,
  cleanText,
  fixText,
  htmlUnescape,
  whitespaceClean,
} from '../../../src/engine/text/clean-text.js'

describe('htmlUnescape (Python html.unescape)', () => {
  it('decodes named and numeric references', () => {
    expect(htmlUnescape('fish &amp; chips')).toBe('fish & chips')
    expect(htmlUnescape('&lt;b&gt; &quot;x&quot; &apos;y&apos;')).toBe('<b> "x" \'y\'')
    expect(htmlUnescape('caf&eacute; na&iuml;ve &copy; &hellip;')).toBe('café naïve © …')
    expect(htmlUnescape('&#39; &#x27; &#X1F600; &#128512;')).toBe("' ' 😀 😀")
  })

  it('applies the HTML5 rules for odd numeric references', () => {
    expect(htmlUnescape('&#128;&#x99;')).toBe('€™') // C1 references are read as Windows-1252
    expect(htmlUnescape('a&#0;b')).toBe('a\ufffdb')
    expect(htmlUnescape('&#xD800;&#x110000;')).toBe('\ufffd\ufffd')
    expect(htmlUnescape('a&#1;b&#xFFFF;c')).toBe('abc') // invalid code points vanish
    expect(htmlUnescape('&#65')).toBe('A') // the semicolon is optional
  })

  it('accepts legacy names without a semicolon, by longest prefix, and leaves unknown names', () => {
    expect(htmlUnescape('&amp &ampx &notit; &copy2024')).toBe('& &x ¬it; ©2024')
    expect(htmlUnescape('&unknown; & &;')).toBe('&unknown; & &;')
    expect(htmlUnescape('&rsquo')).toBe('&rsquo') // needs its semicolon
  })
})

describe('fixText (ftfy-lite)', () => {
  it('straightens curly quotes, splits ligatures and narrows full-width forms', () => {
    expect(fixText('“here’s a test”')).toBe('"here\'s a test"')
    expect(fixText('ﬂuﬃeﬆ')).toBe('fluffiest')
    expect(fixText('ＬＯＵＤ　ＮＯＩＳＥＳ')).toBe('LOUD NOISES')
    expect(fixText('Ｕﾀｰﾝ')).toBe('Uターン')
  })

  it('unescapes entities first (also upper-cased ones), unless the text looks like HTML', () => {
    expect(fixText('P&EACUTE;REZ')).toBe('PÉREZ')
    expect(fixText('don&rsquo;t')).toBe("don't") // unescaped, then uncurled on the next round
    expect(fixText('&ntilde; &Ntilde; &NTILDE; &nTILDE;')).toBe('ñ Ñ Ñ &nTILDE;')
    expect(fixText('<b>&eacute;</b>')).toBe('<b>&eacute;</b>')
  })

  it('normalises line breaks, C1 controls, terminal escapes, control characters and NFC', () => {
    expect(fixText('one\r\ntwo\rthree\u2028four\u2029five')).toBe('one\ntwo\nthree\nfour\nfive')
    expect(fixText('wait\u0085')).toBe('wait…') // C1 read as Windows-1252, as ftfy does
    expect(fixText('\u001b[36;44mblue\u001b[0m')).toBe('blue')
    expect(fixText('a\u0000\u0008\tb\u000b\u007fc\ufeff')).toBe('a\tbc')
    expect(fixText('e\u0301')).toBe('é')
    expect(fixText('\ud83d')).toBe('\ufffd') // a lone surrogate
  })
})

describe('CLIP cleaning', () => {
  it('unescapes twice, strips and collapses white space, lower-cases', () => {
    expect(basicClean('  fish &amp;amp; chips \n')).toBe('fish & chips')
    expect(whitespaceClean(' a \t\n b\u00a0\u3000c ')).toBe('a b c')
    expect(cleanText('  A  Photo\tOF\n\nthe SEA  ')).toBe('a photo of the sea')
    expect(cleanText('ＢＩＧ ﬁsh &amp; Chips')).toBe('big fish & chips')
  })

  it('removes a byte-order mark in ftfy, but keeps one that html.unescape produced later, as Python does', () => {
    expect(cleanText('&#xFEFF;a')).toBe('a') // ftfy unescapes it, then drops it as a control character
    // With a "<" ftfy leaves entities alone; html.unescape's U+FEFF is not white space for Python's strip().
    expect(cleanText('<&#xFEFF;a')).toBe('<\ufeffa')
    expect(cleanText('&#xFEFF;<a')).toBe('\ufeff<a')
  })
})
