import type { FeatureCodec } from '../types.js'

/** Stored feature bytes → float32 values, per the pack's codec. */
export function featureToFloat(bytes: Uint8Array, codec: FeatureCodec, out?: Float32Array, offset = 0): Float32Array {
  if (codec.kind === 'uint8-affine') {
    const target = out ?? new Float32Array(bytes.length)
    for (let i = 0; i < bytes.length; i++) target[offset + i] = codec.scale * (bytes[i]! - codec.zeroPoint)
    return target
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  if (!out) return floats
  out.set(floats, offset)
  return out
}
