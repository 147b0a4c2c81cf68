import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'

const { onnx } = onnxProto

/** A one-node ONNX graph, Y = A·B, with every dimension dynamic. */
function matmulModel(): Uint8Array {
  const tensor = (name: string, dims: string[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => ({ dimParam: d })) },
        },
      },
    })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'tessera',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'matmul',
      node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['Y'] }],
      input: [tensor('A', ['m', 'k']), tensor('B', ['k', 'n'])],
      output: [tensor('Y', ['m', 'n'])],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

/**
 * Dense float32 matrix products on onnxruntime's CPU kernels (MLAS): the linear algebra of fitting and
 * applying heads over a whole library is one to two orders of magnitude faster there than in JS loops.
 */
export class MatMul {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(threads = 0): Promise<MatMul> {
    const session = await ort.InferenceSession.create(matmulModel(), {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      graphOptimizationLevel: 'all',
      // Idle intra-op threads busy-wait by default: while indexing, each batch's labels and each commit's
      // head projection are a product here, and the spinning after it took CPU the decodes needed.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    })
    return new MatMul(session)
  }

  /** Row-major A (m×k) times B (k×n) → row-major m×n. */
  async run(a: Float32Array, m: number, k: number, b: Float32Array, n: number): Promise<Float32Array> {
    if (a.length !== m * k || b.length !== k * n)
      throw new Error(`matmul: shape mismatch (${m}×${k})·(${k}×${n})`)
    const out = await this.session.run({
      A: new ort.Tensor('float32', a, [m, k]),
      B: new ort.Tensor('float32', b, [k, n]),
    })
    return out.Y!.data as Float32Array
  }

  async close(): Promise<void> {
    await this.session.release()
  }
}
