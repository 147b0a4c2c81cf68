import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { sniffFormat } from '../../../src/engine/decode/sniff-format.js'

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))))

describe('sniffFormat', () => {
  it('recognises every decodable format by content', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    for (const format of ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const) {
      const file = await base.clone().toFormat(format).toBuffer()
      expect(sniffFormat(file), format).toEqual({ kind: 'image', format })
    }
  })

  it('tells HEIC from AVIF by the ftyp brands', () => {
    const ftyp = (major: string, ...compatible: string[]): Buffer => {
      const body = bytes('ftyp', major, [0, 0, 0, 0], ...compatible)
      const size = Buffer.alloc(4)
      size.writeUInt32BE(body.length + 4)
      return Buffer.concat([size, body])
    }
    expect(sniffFormat(ftyp('heic', 'mif1', 'heic'))).toEqual({ kind: 'image', format: 'heic' })
    expect(sniffFormat(ftyp('mif1', 'mif1', 'heic'))).toEqual({ kind: 'image', format: 'heic' })
    expect(sniffFormat(ftyp('avif', 'mif1', 'avif'))).toEqual({ kind: 'image', format: 'avif' })
    expect(sniffFormat(ftyp('mif1', 'avif', 'mif1'))).toEqual({ kind: 'image', format: 'avif' })
    expect(sniffFormat(ftyp('isom', 'isom', 'mp42'))).toEqual({
      kind: 'other',
      looksLike: 'it looks like a video',
    })
    expect(sniffFormat(ftyp('crx ', 'crx '))).toEqual({ kind: 'unsupported', label: 'Canon raw (CR3)' })
  })

  it('names picture formats it does not open', () => {
    expect(sniffFormat(bytes([0xff, 0x0a, 0, 0]))).toEqual({ kind: 'unsupported', label: 'JPEG XL' })
    expect(sniffFormat(bytes('8BPS', [0, 1, 0, 0]))).toEqual({
      kind: 'unsupported',
      label: 'Photoshop (PSD)',
    })
  })

  it('says what a non-image looks like', () => {
    const looks = (buf: Buffer): string => {
      const s = sniffFormat(buf)
      return s.kind === 'other' ? s.looksLike : s.kind
    }
    expect(looks(bytes('Dear diary, today I took no photos.\n'))).toBe('it looks like text')
    expect(looks(bytes('Grüße aus Köln — 東京 🌅\n'))).toBe('it looks like text')
    expect(looks(bytes('<!DOCTYPE html><html><body>404</body></html>'))).toBe('it looks like a web page')
    expect(looks(bytes('%PDF-1.7\n'))).toBe('it looks like a PDF document')
    expect(looks(bytes('PK', [3, 4, 20, 0]))).toBe('it looks like a ZIP archive or an office document')
    expect(looks(bytes([0x00, 0x01, 0x02, 0xfe, 0x99, 0x00, 0x42]))).toBe(
      'its content does not match any picture format',
    )
  })
})
