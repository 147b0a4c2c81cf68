/**
 * Stored features back to float32 values. Kept apart from the embedder (which loads onnxruntime) so that
 * heads, search and training decode features without loading any inference runtime.
 */
import type { FeatureCodec } from '../types.js'

/**
 * Stored feature bytes → float32 values. float32 bytes are little-endian, as on every platform we ship.
 * With `out`, writes at `offset` into it (no allocation: re-projecting a whole library goes through here).
 */
export function decodeFeature(
  bytes: Uint8Array,
  codec: FeatureCodec,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  if (codec.kind === 'uint8-affine') {
    const target = out ?? new Float32Array(bytes.length)
    const base = out ? offset : 0
    for (let i = 0; i < bytes.length; i++) target[base + i] = codec.scale * (bytes[i]! - codec.zeroPoint)
    return target
  }
  if (bytes.byteLength % 4 !== 0)
    throw new Error(`A float32 feature must be a multiple of 4 bytes, got ${bytes.byteLength}.`)
  // slice() copies into a fresh, aligned buffer.
  const floats = new Float32Array(bytes.slice().buffer)
  if (!out) return floats
  out.set(floats, offset)
  return out
}
