/**
 * Turns the ONNX Model Zoo's int8 MobileNetV2 into Tessera's `visual.onnx`: the graph is cut after the
 * global average pool and its uint8 output, flattened to [N,1280], becomes the output `feature`. The codes
 * are stored as they are (1280 bytes per photo, lossless); the pool's scale and zero point become the
 * manifest's `uint8-affine` codec. The 1000-class ImageNet classifier is kept after it, fed by that same
 * flattened code, as a second output `logits` [N,1000]: its weights stay in the pack, where labels/ reads
 * them to label photos from their stored features (in JS, no second decode). Nothing needs to fetch
 * `logits`; it exists so the graph (and onnxruntime) can check that JS arithmetic.
 * Pure protobuf editing: the same input always gives the same bytes.
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { FeatureCodec } from '../types.js'
import { onnx, type OnnxTypes } from './onnx-proto.js'

/** The QLinearGlobalAveragePool output of the zoo graph, and its quantisation parameters. */
const POOLED = '464_quantized'
const POOLED_SCALE = '464_scale'
const POOLED_ZERO_POINT = '464_zero_point'
export const MOBILENET_FEATURE_OUTPUT = 'feature'
export const MOBILENET_LOGITS_OUTPUT = 'logits'
/** The zoo's classifier after the pool: QLinearMatMul → QLinearAdd → DequantizeLinear (its output `output`). */
const CLASSIFIER_OPS = ['QLinearMatMul', 'QLinearAdd', 'DequantizeLinear'] as const
const ZOO_RESHAPED = '472_quantized'
const ZOO_LOGITS = 'output'
export const MOBILENET_FEATURE_DIM = 1280

export interface MobileNetFeatureModel {
  /** Serialised ONNX model. */
  model: Uint8Array
  codec: Extract<FeatureCodec, { kind: 'uint8-affine' }>
  outputName: string
  dim: number
}

function initializer(graph: OnnxTypes.IGraphProto, name: string): OnnxTypes.ITensorProto {
  const t = graph.initializer?.find((i) => i.name === name)
  if (!t) throw new Error(`This is not the expected MobileNetV2 int8 model: initializer ${name} is missing.`)
  return t
}

function scalarFloat(t: OnnxTypes.ITensorProto): number {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`${t.name} is not a float32 tensor.`)
  if (t.floatData && t.floatData.length > 0) return t.floatData[0]!
  if (t.rawData && t.rawData.length >= 4) return Buffer.from(t.rawData).readFloatLE(0)
  throw new Error(`${t.name} holds no value.`)
}

function scalarUint8(t: OnnxTypes.ITensorProto): number {
  if (t.dataType !== onnx.TensorProto.DataType.UINT8) throw new Error(`${t.name} is not a uint8 tensor.`)
  if (t.int32Data && t.int32Data.length > 0) return t.int32Data[0]!
  if (t.rawData && t.rawData.length >= 1) return t.rawData[0]!
  throw new Error(`${t.name} holds no value.`)
}

/** The nodes `target` depends on, in their original (topological) order. */
function nodesNeededFor(nodes: OnnxTypes.INodeProto[], target: string): OnnxTypes.INodeProto[] {
  const needed = new Set([target])
  const keep = new Array<boolean>(nodes.length).fill(false)
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!
    if (node.output?.some((o) => needed.has(o))) {
      keep[i] = true
      for (const input of node.input ?? []) if (input) needed.add(input)
    }
  }
  return nodes.filter((_, i) => keep[i])
}

/** The three classifier nodes after the pool, in order; an error when the graph is not the zoo's. */
function classifierNodes(nodes: OnnxTypes.INodeProto[]): OnnxTypes.INodeProto[] {
  const [mmOp, addOp, dqOp] = CLASSIFIER_OPS
  const matmul = nodes.find((n) => n.opType === mmOp && n.input?.[0] === ZOO_RESHAPED)
  const add = nodes.find((n) => n.opType === addOp && n.input?.[0] === matmul?.output?.[0])
  const dequantize = nodes.find((n) => n.opType === dqOp && n.input?.[0] === add?.output?.[0])
  if (!matmul || !add || !dequantize?.output?.includes(ZOO_LOGITS))
    throw new Error('This is not the expected MobileNetV2 int8 model: its classifier is not where expected.')
  return [matmul, add, dequantize]
}

export function buildMobileNetFeatureModel(zooModel: Uint8Array): MobileNetFeatureModel {
  const model = onnx.ModelProto.decode(zooModel)
  // Decoded messages are class instances: repeated fields are always arrays.
  const graph = model.graph as OnnxTypes.GraphProto | null | undefined
  if (!graph) throw new Error('This is not an ONNX model with a graph.')
  if (!graph.node.some((n) => n.output?.includes(POOLED) && n.opType === 'QLinearGlobalAveragePool')) {
    throw new Error(
      `This is not the expected MobileNetV2 int8 model: no QLinearGlobalAveragePool producing ${POOLED}.`,
    )
  }
  const codec = {
    kind: 'uint8-affine' as const,
    scale: scalarFloat(initializer(graph, POOLED_SCALE)),
    zeroPoint: scalarUint8(initializer(graph, POOLED_ZERO_POINT)),
  }

  const nodes = nodesNeededFor(graph.node, POOLED)
  // [N,1280,1,1] uint8 → [N,1280] uint8: Flatten accepts every tensor type since opset 9.
  nodes.push(
    onnx.NodeProto.create({
      name: 'feature_flatten',
      opType: 'Flatten',
      input: [POOLED],
      output: [MOBILENET_FEATURE_OUTPUT],
      attribute: [
        onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
      ],
    }),
  )
  // The classifier read the pooled code through a Shape/Reshape chain on the unpooled tensor; it reads the
  // flattened `feature` instead (the same [N,1280] values), so nothing before the pool is computed twice.
  const classifier = classifierNodes(graph.node)
  for (const node of classifier) {
    node.input = (node.input ?? []).map((i) => (i === ZOO_RESHAPED ? MOBILENET_FEATURE_OUTPUT : i))
    node.output = (node.output ?? []).map((o) => (o === ZOO_LOGITS ? MOBILENET_LOGITS_OUTPUT : o))
    nodes.push(node)
  }
  const used = new Set<string>(nodes.flatMap((n) => n.input ?? []))
  const isUsed = (v: { name?: string | null }) => used.has(v.name ?? '')
  const batchDim = graph.input[0]?.type?.tensorType?.shape?.dim?.[0]

  graph.node = nodes
  graph.initializer = graph.initializer.filter(isUsed)
  graph.input = graph.input.filter(isUsed)
  graph.valueInfo = graph.valueInfo.filter(isUsed)
  graph.output = [
    onnx.ValueInfoProto.create({
      name: MOBILENET_FEATURE_OUTPUT,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.UINT8,
          shape: { dim: [batchDim ?? { dimParam: 'batch_size' }, { dimValue: MOBILENET_FEATURE_DIM }] },
        },
      },
    }),
    onnx.ValueInfoProto.create({
      name: MOBILENET_LOGITS_OUTPUT,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [batchDim ?? { dimParam: 'batch_size' }, { dimValue: 1000 }] },
        },
      },
    }),
  ]
  model.docString = `${model.docString ? `${model.docString}\n` : ''}Tessera: cut after GlobalAveragePool; output "feature" is the pooled uint8 [N,1280] code, "logits" the ImageNet classifier on it.`
  return {
    model: onnx.ModelProto.encode(model).finish(),
    codec,
    outputName: MOBILENET_FEATURE_OUTPUT,
    dim: MOBILENET_FEATURE_DIM,
  }
}

/** Reads the zoo model at `src`, writes the feature model to `dest`; returns the codec for the manifest. */
export async function writeMobileNetFeatureModel(
  src: string,
  dest: string,
): Promise<Omit<MobileNetFeatureModel, 'model'>> {
  const { model, ...rest } = buildMobileNetFeatureModel(await readFile(src))
  await writeFile(dest, model)
  return rest
}
