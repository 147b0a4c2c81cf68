/**
 * The ImageNet classifier of the default pack (MobileNetV2 int8), applied in JS to a photo's STORED pooled
 * feature: labels need no second decode, and a library indexed before labels existed gets them from the
 * features it already holds.
 *
 * The zoo graph after the pool is QLinearMatMul(feature, W int8 [1280,1000] with a scale and zero point per
 * class) → QLinearAdd(bias) → DequantizeLinear: 1000 logits. `logits` computes them in float from the
 * dequantized weights (finer than the graph's uint8 logits, which can saturate); `exact: true` reproduces
 * onnxruntime's two uint8 requantizations, to check this code against the graph (test/integration).
 */
// Types only: the protobuf classes load when a classifier is read, not with every module that labels
// (`tessera status` and --help never read one).
import type { OnnxTypes } from '../models/onnx-proto.js'

/** Initializer names in the zoo model (and in the pack's visual.onnx, which keeps the classifier). */
const NAMES = {
  inScale: '464_scale',
  inZero: '464_zero_point',
  weight: 'classifier.1.weight_quantized',
  weightScale: 'classifier.1.weight_scale',
  weightZero: 'classifier.1.weight_zero_point',
  mmScale: 'output_MatMul_scale',
  mmZero: 'output_MatMul_zero_point',
  bias: 'classifier.1.bias_quantized',
  biasScale: 'classifier.1.bias_scale',
  biasZero: 'classifier.1.bias_zero_point',
  outScale: 'output_scale',
  outZero: 'output_zero_point',
} as const

export const CLASS_COUNT = 1000

export interface ImageNetClassifier {
  inputDim: number
  classes: number
  /** Dequantized weights, input-major as in the graph: w[k * classes + c]. */
  weights: Float32Array
  bias: Float32Array
  input: { scale: number; zeroPoint: number }
  /** What the graph needs to requantize like onnxruntime (exact mode). */
  quant: {
    weightInt: Int8Array
    weightScale: Float32Array
    weightZero: Int8Array
    mm: { scale: number; zeroPoint: number }
    biasInt: Uint8Array
    bias: { scale: number; zeroPoint: number }
    out: { scale: number; zeroPoint: number }
  }
}

/** The classifier's initializers are absent: a visual.onnx built before labels existed. */
export class NoClassifierError extends Error {
  override readonly name = 'NoClassifierError'
}

function floats(t: OnnxTypes.ITensorProto): Float32Array {
  if (t.floatData && t.floatData.length > 0) return Float32Array.from(t.floatData)
  const raw = t.rawData!
  return new Float32Array(raw.slice().buffer, 0, raw.length / 4)
}

function bytes(t: OnnxTypes.ITensorProto): Uint8Array {
  if (t.int32Data && t.int32Data.length > 0) return Uint8Array.from(t.int32Data.map((v) => v & 0xff))
  return Uint8Array.from(t.rawData ?? [])
}

/** Reads the classifier from a serialised MobileNetV2 int8 model (the zoo file or the pack's visual.onnx). */
export async function readClassifier(model: Uint8Array): Promise<ImageNetClassifier> {
  const { onnx } = await import('../models/onnx-proto.js')
  const graph = onnx.ModelProto.decode(model).graph
  const init = new Map((graph?.initializer ?? []).map((t) => [t.name ?? '', t]))
  const get = (name: string): OnnxTypes.ITensorProto => {
    const t = init.get(name)
    if (!t) throw new NoClassifierError(`The model holds no ImageNet classifier (${name} is missing).`)
    return t
  }
  const scalar = (name: string) => floats(get(name))[0]!
  const u8 = (name: string) => bytes(get(name))[0]!
  const weightT = get(NAMES.weight)
  const [inputDim, classes] = (weightT.dims ?? []).map(Number) as [number, number]
  const weightInt = new Int8Array(bytes(weightT).buffer)
  const weightScale = floats(get(NAMES.weightScale))
  const weightZero = new Int8Array(bytes(get(NAMES.weightZero)).buffer)
  const biasInt = bytes(get(NAMES.bias))
  const bias = { scale: scalar(NAMES.biasScale), zeroPoint: u8(NAMES.biasZero) }
  if (weightInt.length !== inputDim * classes || weightScale.length !== classes || biasInt.length !== classes)
    throw new NoClassifierError('The classifier tensors do not have the expected shapes.')
  const weights = new Float32Array(inputDim * classes)
  for (let k = 0; k < inputDim; k++)
    for (let c = 0; c < classes; c++)
      weights[k * classes + c] = (weightInt[k * classes + c]! - weightZero[c]!) * weightScale[c]!
  const biasF = Float32Array.from(biasInt, (b) => (b - bias.zeroPoint) * bias.scale)
  return {
    inputDim,
    classes,
    weights,
    bias: biasF,
    input: { scale: scalar(NAMES.inScale), zeroPoint: u8(NAMES.inZero) },
    quant: {
      weightInt,
      weightScale,
      weightZero,
      mm: { scale: scalar(NAMES.mmScale), zeroPoint: u8(NAMES.mmZero) },
      biasInt,
      bias,
      out: { scale: scalar(NAMES.outScale), zeroPoint: u8(NAMES.outZero) },
    },
  }
}

/** onnxruntime's uint8 requantization: round half to even, then saturate. */
function requantize(value: number, scale: number, zeroPoint: number): number {
  const x = value / scale
  let r = Math.round(x)
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) r -= 1
  return Math.min(255, Math.max(0, r + zeroPoint))
}

/** The 1000 logits of one stored uint8 feature code. */
export function logits(
  cls: ImageNetClassifier,
  code: Uint8Array,
  opts: { exact?: boolean } = {},
): Float32Array {
  const { inputDim, classes } = cls
  if (code.length !== inputDim)
    throw new Error(`A feature of ${inputDim} bytes was expected, got ${code.length}.`)
  const x = new Float32Array(inputDim)
  for (let k = 0; k < inputDim; k++) x[k] = code[k]! - cls.input.zeroPoint
  if (!opts.exact) {
    // One pass over the weights, input by input: pooled codes are often at the zero point (ReLU), and those
    // inputs are skipped.
    const acc = new Float64Array(classes)
    const w = cls.weights
    for (let k = 0; k < inputDim; k++) {
      const xk = x[k]!
      if (xk === 0) continue
      const row = k * classes
      for (let c = 0; c < classes; c++) acc[c] = acc[c]! + xk * w[row + c]!
    }
    const out = new Float32Array(classes)
    for (let c = 0; c < classes; c++) out[c] = acc[c]! * cls.input.scale + cls.bias[c]!
    return out
  }
  const out = new Float32Array(classes)
  const q = cls.quant
  for (let c = 0; c < classes; c++) {
    // Integer accumulation as the int8 kernel does, then the graph's two requantizations.
    let acc = 0
    for (let k = 0; k < inputDim; k++) acc += x[k]! * (q.weightInt[k * classes + c]! - q.weightZero[c]!)
    const mm = requantize(acc * cls.input.scale * q.weightScale[c]!, q.mm.scale, q.mm.zeroPoint)
    const sum = (mm - q.mm.zeroPoint) * q.mm.scale + (q.biasInt[c]! - q.bias.zeroPoint) * q.bias.scale
    out[c] = (requantize(sum, q.out.scale, q.out.zeroPoint) - q.out.zeroPoint) * q.out.scale
  }
  return out
}

/** The product of n stored codes [n×inputDim] and a weight matrix [inputDim×classes] (the engine's MatMul). */
export type MatMulRun = (
  a: Float32Array,
  n: number,
  k: number,
  b: Float32Array,
  m: number,
) => Promise<Float32Array>

/**
 * The logits of many stored codes in one matrix product (the engine's onnxruntime MatMul session: about
 * twenty times faster than `logits` one by one in JS). Row i of the result is photo i's 1000 logits.
 */
export async function logitsBatch(
  cls: ImageNetClassifier,
  codes: readonly Uint8Array[],
  run: MatMulRun,
): Promise<Float32Array[]> {
  const { inputDim, classes } = cls
  const x = new Float32Array(codes.length * inputDim)
  codes.forEach((code, i) => {
    if (code.length !== inputDim)
      throw new Error(`A feature of ${inputDim} bytes was expected, got ${code.length}.`)
    for (let k = 0; k < inputDim; k++) x[i * inputDim + k] = code[k]! - cls.input.zeroPoint
  })
  const product =
    codes.length === 0 ? new Float32Array(0) : await run(x, codes.length, inputDim, cls.weights, classes)
  return codes.map((_, i) => {
    const out = product.slice(i * classes, (i + 1) * classes)
    for (let c = 0; c < classes; c++) out[c] = out[c]! * cls.input.scale + cls.bias[c]!
    return out
  })
}

/** Softmax at temperature 1 (plain: no calibration fitted on any test set). */
export function softmax(values: Float32Array): Float32Array {
  let max = -Infinity
  for (const v of values) if (v > max) max = v
  const out = new Float32Array(values.length)
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += out[i] = Math.exp(values[i]! - max)
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum
  return out
}

/** The classes with the highest probabilities, at least `min` each, at most `k`. */
export function topClasses(probs: Float32Array, k: number, min: number): Array<[number, number]> {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!)
  return order
    .slice(0, k)
    .filter((c) => probs[c]! >= min)
    .map((c) => [c, probs[c]!])
}
