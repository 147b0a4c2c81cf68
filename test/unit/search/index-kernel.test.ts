import { describe, expect, it } from 'vitest'
import { createScanKernel, scanModuleBytes, WASM_PAGE } from '../../../src/engine/search/index-kernel.js'
import { rng } from './helpers.js'

/** Fills a kernel's memory with a query, rows and scales, runs it, and returns its output. */
function run(stride: number, rows: number, fill: (random: () => number) => number, forceFallback = false) {
  const kernel = createScanKernel(stride, { forceFallback })
  const matrix = stride
  const inv = matrix + rows * stride
  const out = inv + rows * 4
  kernel.memory.grow(Math.ceil((out + rows * 4) / WASM_PAGE))
  const bytes = new Int8Array(kernel.memory.buffer)
  const floats = new Float32Array(kernel.memory.buffer)
  const random = rng(stride * 1000 + rows)
  for (let i = 0; i < stride * (rows + 1); i++) bytes[i] = fill(random)
  for (let r = 0; r < rows; r++) floats[(inv >> 2) + r] = Math.fround(random() / 100)
  kernel.scan(0, matrix, inv, out, rows / 4)
  const expected = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    let sum = 0
    for (let i = 0; i < stride; i++) sum += bytes[i]! * bytes[matrix + r * stride + i]!
    expected[r] = Math.fround(Math.fround(sum) * floats[(inv >> 2) + r]!)
  }
  return { kernel, got: floats.slice(out >> 2, (out >> 2) + rows), expected }
}

describe('int8 scan kernel', () => {
  it('assembles a valid SIMD module for each stride', () => {
    for (const stride of [16, 64, 128, 512]) {
      const kernel = createScanKernel(stride)
      expect(kernel.simd).toBe(true)
    }
    expect(() => scanModuleBytes(24)).toThrow(/multiple of 16/)
  })

  it('computes exact integer dot products, including at the int8 extremes', () => {
    const uniform = (r: () => number) => Math.floor(r() * 255) - 127
    const extreme = (r: () => number) => (r() < 0.5 ? -127 : 127)
    for (const stride of [16, 64, 96]) {
      for (const fill of [uniform, extreme]) {
        const { kernel, got, expected } = run(stride, 64, fill)
        expect(kernel.simd).toBe(true)
        expect(got).toEqual(expected)
      }
    }
    // All +127 against +127: 64·127² = 1,032,256, beyond any 16-bit intermediate.
    const max = run(64, 8, () => 127)
    expect(max.got).toEqual(max.expected)
    expect(max.got[0]! / new Float32Array(max.kernel.memory.buffer)[(64 + 8 * 64) >> 2]!).toBeCloseTo(
      1_032_256,
      -1,
    )
  })

  it('matches the JavaScript fallback bit for bit', () => {
    const fill = (r: () => number) => Math.floor(r() * 255) - 127
    const simd = run(64, 128, fill)
    const plain = run(64, 128, fill, true)
    expect(plain.kernel.simd).toBe(false)
    expect(plain.got).toEqual(simd.got)
    expect(plain.got).toEqual(plain.expected)
  })
})
