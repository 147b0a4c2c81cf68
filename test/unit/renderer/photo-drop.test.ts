import { describe, expect, it } from 'vitest'
import { parsePhotoIds } from '../../../src/renderer/src/views/albums/photo-drop'

const A = '0247e089-b2fa-4452-bcdd-f47ac1f5f296'
const B = '09861098-8e85-43aa-9a10-19d38a3da492'

describe('dragged photos', () => {
  it('reads a JSON list of photo ids', () => {
    expect(parsePhotoIds(JSON.stringify([A, B]))).toEqual([A, B])
  })

  it('drops repeats and anything that is not an id', () => {
    expect(parsePhotoIds(JSON.stringify([A, 'x', 3, A, null, B]))).toEqual([A, B])
  })

  it('gives nothing for malformed payloads', () => {
    expect(parsePhotoIds('')).toEqual([])
    expect(parsePhotoIds(null)).toEqual([])
    expect(parsePhotoIds('{"a":1}')).toEqual([])
    expect(parsePhotoIds('not json')).toEqual([])
  })
})
