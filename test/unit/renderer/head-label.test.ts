import { describe, expect, it } from 'vitest'
import { headLabel } from '../../../src/renderer/src/views/training/head-label'

describe('headLabel', () => {
  const now = new Date(2026, 11, 6, 9, 0)

  it('names a trained head by when it was trained, in local time', () => {
    const createdAt = new Date(2026, 11, 5, 22, 14).toISOString()
    expect(headLabel({ kind: 'arcface', createdAt, version: 'arcface-2026-12-05T22-14-03' }, now)).toBe(
      'Trained 5 Dec, 22:14',
    )
  })

  it('names the base head, with the year when it is not this one', () => {
    const createdAt = new Date(2025, 2, 3, 9, 5).toISOString()
    expect(headLabel({ kind: 'pca', createdAt, version: 'pca-x' }, now)).toBe('Base 3 Mar 2025, 09:05')
  })

  it('falls back to the version id without a readable date', () => {
    expect(headLabel({ kind: 'arcface', createdAt: 'soon', version: 'arcface-v1' }, now)).toBe('arcface-v1')
  })
})
