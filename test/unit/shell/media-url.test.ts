import { describe, expect, it } from 'vitest'
import { MEDIA_KINDS } from '../../../src/shared/contract'
import { buildMediaUrl, MEDIA_URL_KINDS, parseMediaUrl } from '../../../src/main/media-url'

const ID = '0b9e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b'

describe('buildMediaUrl', () => {
  it('builds tessera-media://media/<kind>/<id>', () => {
    expect(buildMediaUrl('thumb', ID)).toBe(`tessera-media://media/thumb/${ID}`)
    expect(buildMediaUrl('photo', ID)).toBe(`tessera-media://media/photo/${ID}`)
  })

  it('percent-encodes the id, so it stays one path segment', () => {
    expect(buildMediaUrl('photo', '../a b/?#')).toBe('tessera-media://media/photo/..%2Fa%20b%2F%3F%23')
    expect(parseMediaUrl(buildMediaUrl('photo', '../a b/?#'))).toBeNull() // ids with separators are refused
    expect(parseMediaUrl(buildMediaUrl('photo', 'a b?#'))).toEqual({ kind: 'photo', id: 'a b?#' })
  })

  it('refuses unknown kinds and empty or non-string ids', () => {
    expect(() => buildMediaUrl('file' as 'photo', ID)).toThrow(TypeError)
    expect(() => buildMediaUrl('photo', '')).toThrow(TypeError)
    expect(() => buildMediaUrl('photo', 42 as unknown as string)).toThrow(TypeError)
    expect(() => buildMediaUrl('photo', 'x'.repeat(201))).toThrow(TypeError)
  })

  it('knows the same kinds as the contract', () => {
    expect([...MEDIA_URL_KINDS]).toEqual([...MEDIA_KINDS])
  })
})

describe('parseMediaUrl', () => {
  it('reads back what buildMediaUrl makes', () => {
    for (const kind of MEDIA_URL_KINDS) {
      expect(parseMediaUrl(buildMediaUrl(kind, ID))).toEqual({ kind, id: ID })
    }
  })

  it.each([
    `tessera-media://other/photo/${ID}`,
    `tessera-media://media:8080/photo/${ID}`,
    `tessera-media://user:pw@media/photo/${ID}`,
    `tessera-media://media/photo/${ID}?x=1`,
    `tessera-media://media/file/${ID}`,
    `tessera-media://media/photo/${ID}/more`,
    'tessera-media://media/photo/',
    'tessera-media://media/photo',
    'tessera-media://media/photo/%2e%2e%2fsecret',
    'tessera-media://media/photo/a%5cb',
    'tessera-media://media/photo/a%00b',
    'tessera-media://media/photo/%E0%A4%A',
    `app://tessera/photo/${ID}`,
    `file:///media/photo/${ID}`,
    'garbage',
  ])('refuses %s', (url) => {
    expect(parseMediaUrl(url)).toBeNull()
  })
})
