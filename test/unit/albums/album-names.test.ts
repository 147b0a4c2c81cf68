import { describe, expect, it } from 'vitest'
import { AlbumError } from '../../../src/engine/albums/album-error.js'
import { albumNameKey, cleanAlbumName, MAX_ALBUM_NAME } from '../../../src/engine/albums/album-names.js'

describe('album names', () => {
  it('are trimmed', () => {
    expect(cleanAlbumName('  Holidays 2024 \n')).toBe('Holidays 2024')
  })
  it('cannot be empty', () => {
    expect(() => cleanAlbumName('   ')).toThrow('An album name cannot be empty.')
    expect(() => cleanAlbumName('')).toThrow(AlbumError)
  })
  it('have at most 200 characters, counting an emoji once', () => {
    expect(cleanAlbumName('a'.repeat(MAX_ALBUM_NAME))).toHaveLength(200)
    expect(cleanAlbumName('🌴'.repeat(MAX_ALBUM_NAME))).toBe('🌴'.repeat(200))
    expect(() => cleanAlbumName('a'.repeat(201))).toThrow(/at most 200 characters; .* has 201\./)
  })
  it('are one line without control characters', () => {
    expect(() => cleanAlbumName('a\nb')).toThrow(/line breaks, tabs or other control characters: "a\\nb"/)
    expect(() => cleanAlbumName('a\tb')).toThrow(AlbumError)
    expect(() => cleanAlbumName('a\u0000b')).toThrow(AlbumError)
  })
  it('must be text', () => {
    expect(() => cleanAlbumName(42)).toThrow('An album name must be text.')
  })
  it('compare case-insensitively and by Unicode normal form', () => {
    expect(albumNameKey(' HOLIDAYS ')).toBe(albumNameKey('holidays'))
    expect(albumNameKey('Cafe\u0301')).toBe(albumNameKey('Café'))
    expect(albumNameKey('Été')).toBe(albumNameKey('été'))
  })
})
