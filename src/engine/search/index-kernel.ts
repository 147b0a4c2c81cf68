/**
 * The first pass of SimilarityIndex: an int8 dot product of the query with every stored row, in WebAssembly
 * SIMD, over memory the index owns.
 *
 * Why not onnxruntime: MLAS float MatMul over 1,000,000 × 64 float32 rows reads 256 MB per query and is
 * memory-bound at ~25–30 ms on the bench machine (onnxruntime-node 1.30 does not copy input tensors, so that
 * is the scan itself). Its integer MatMul is no faster for one query column (it packs the big operand on
 * every call), and its u8×s8 AVX2 path saturates 16-bit pair sums, so it is not exact. Int8 rows are a
 * quarter of the bytes (at a million rows this kernel runs at the speed of merely reading them, ~8 ms on
 * the bench machine), and its arithmetic is exact: i8 → i16 widening, then `i32x4.dot_i16x8_s`
 * (|products| ≤ 127², pair sums fit in 32 bits).
 *
 * For each row r, with D_r = Σ_i q[i]·m[r][i] (exact, int32): out[r] = f32(f32(D_r) · inv[r]).
 *
 * The module is generated per row stride (dims rounded up to 16 bytes) with the inner loop unrolled, and
 * assembled here byte by byte so that there is no build step and no binary blob to trust.
 */

/** WebAssembly memory is allocated in pages of 64 KiB. */
export const WASM_PAGE = 65_536

// The engine compiles against lib ES2023 without DOM, which has no WebAssembly types: the little used here.
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory
  Module: new (bytes: Uint8Array) => object
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => {
    exports: Record<string, unknown>
  }
  validate(bytes: Uint8Array): boolean
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

export interface ScanKernel {
  readonly memory: WasmMemory
  /** True when the WebAssembly SIMD kernel runs; false for the (slow, equivalent) JavaScript fallback. */
  readonly simd: boolean
  /**
   * Scores rows [0, 4·quads): out[r] = f32(f32(Σ q[i]·m[r][i]) · inv[r]). Byte offsets into `memory`: the
   * int8 query (`stride` bytes), the int8 rows (`stride` bytes each), the per-row float32 factors, the float32
   * output. All offsets must be multiples of 16.
   */
  scan(query: number, matrix: number, inv: number, out: number, quads: number): void
}

// Opcodes (WebAssembly core spec 2.0, binary format).
const I32 = 0x7f
const V128 = 0x7b
const BLOCK = 0x02
const LOOP = 0x03
const BR_IF = 0x0d
const END = 0x0b
const LOCAL_GET = 0x20
const LOCAL_SET = 0x21
const LOCAL_TEE = 0x22
const I32_CONST = 0x41
const I32_EQZ = 0x45
const I32_ADD = 0x6a
const I32_SUB = 0x6b
const EMPTY_BLOCK = 0x40
// SIMD instructions: 0xfd, then the opcode as unsigned LEB128.
const V128_LOAD = 0x00
const V128_STORE = 0x0b
const I8X16_SHUFFLE = 0x0d
const I16X8_EXTEND_LOW_I8X16_S = 0x87
const I16X8_EXTEND_HIGH_I8X16_S = 0x88
const I32X4_ADD = 0xae
const I32X4_DOT_I16X8_S = 0xba
const F32X4_MUL = 0xe6
const F32X4_CONVERT_I32X4_S = 0xfa

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte]
    out.push(byte | 0x80)
  }
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes]
const name = (s: string) => [...uleb(s.length), ...ascii(s)]

/** The module for rows of `stride` bytes (a multiple of 16): imports env.memory, exports scan. */
export function scanModuleBytes(stride: number): Uint8Array {
  if (stride <= 0 || stride % 16 !== 0)
    throw new Error(`scan kernel: stride ${stride} is not a multiple of 16`)
  const chunks = stride / 16
  // Parameters 0–4: query, matrix, inv, out, quads. Then v128 locals: the query widened to i16 (two per
  // 16-byte chunk), four row accumulators, and three temporaries.
  const [QUERY, MATRIX, INV, OUT, QUADS] = [0, 1, 2, 3, 4]
  const Q = 5
  const ACC = Q + 2 * chunks
  const V = ACC + 4
  const T0 = V + 1
  const T1 = V + 2
  const v128Locals = 2 * chunks + 7

  const code: number[] = []
  const get = (i: number) => code.push(LOCAL_GET, ...uleb(i))
  const set = (i: number) => code.push(LOCAL_SET, ...uleb(i))
  const tee = (i: number) => code.push(LOCAL_TEE, ...uleb(i))
  const simd = (op: number) => code.push(0xfd, ...uleb(op))
  const memarg = (offset: number) => code.push(4 /* align 2^4 */, ...uleb(offset))
  /** i8x16.shuffle picking four 32-bit lanes: 0–3 from the first operand, 4–7 from the second. */
  const shuffle32 = (lanes: number[]) => {
    simd(I8X16_SHUFFLE)
    for (const lane of lanes) code.push(lane * 4, lane * 4 + 1, lane * 4 + 2, lane * 4 + 3)
  }
  const advance = (local: number, bytes: number) => {
    get(local)
    code.push(I32_CONST, ...sleb(bytes), I32_ADD)
    set(local)
  }

  // Widen the query once.
  for (let c = 0; c < chunks; c++) {
    get(QUERY)
    simd(V128_LOAD)
    memarg(16 * c)
    tee(V)
    simd(I16X8_EXTEND_LOW_I8X16_S)
    set(Q + 2 * c)
    get(V)
    simd(I16X8_EXTEND_HIGH_I8X16_S)
    set(Q + 2 * c + 1)
  }
  code.push(BLOCK, EMPTY_BLOCK)
  get(QUADS)
  code.push(I32_EQZ, BR_IF, 0)
  code.push(LOOP, EMPTY_BLOCK)
  // Four rows: acc_j = Σ over chunks of dot(widened row bytes, widened query), as four i32 partial sums.
  for (let j = 0; j < 4; j++) {
    for (let c = 0; c < chunks; c++) {
      get(MATRIX)
      simd(V128_LOAD)
      memarg(j * stride + 16 * c)
      tee(V)
      simd(I16X8_EXTEND_LOW_I8X16_S)
      get(Q + 2 * c)
      simd(I32X4_DOT_I16X8_S)
      get(V)
      simd(I16X8_EXTEND_HIGH_I8X16_S)
      get(Q + 2 * c + 1)
      simd(I32X4_DOT_I16X8_S)
      simd(I32X4_ADD)
      if (c > 0) simd(I32X4_ADD)
    }
    set(ACC + j)
  }
  // Transpose-add the four accumulators into one vector of four row sums.
  for (const [a, b, t] of [
    [ACC, ACC + 1, T0],
    [ACC + 2, ACC + 3, T1],
  ] as const) {
    get(a)
    get(b)
    shuffle32([0, 1, 4, 5])
    get(a)
    get(b)
    shuffle32([2, 3, 6, 7])
    simd(I32X4_ADD)
    set(t)
  }
  get(OUT)
  get(T0)
  get(T1)
  shuffle32([0, 2, 4, 6])
  get(T0)
  get(T1)
  shuffle32([1, 3, 5, 7])
  simd(I32X4_ADD)
  simd(F32X4_CONVERT_I32X4_S)
  get(INV)
  simd(V128_LOAD)
  memarg(0)
  simd(F32X4_MUL)
  simd(V128_STORE)
  memarg(0)
  advance(MATRIX, 4 * stride)
  advance(INV, 16)
  advance(OUT, 16)
  get(QUADS)
  code.push(I32_CONST, 1, I32_SUB)
  tee(QUADS)
  code.push(BR_IF, 0, END, END, END)

  const body = [1, ...uleb(v128Locals), V128, ...code]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type 0: (i32 ×5) → ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // import memory, min 1 page
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name('scan'), 0x00, 0]), // export function 0
    ...section(10, [1, ...uleb(body.length), ...body]),
  ])
}

const modules = new Map<number, object | null>()

function compiled(stride: number): object | null {
  if (!modules.has(stride)) {
    const bytes = scanModuleBytes(stride)
    modules.set(stride, wasm.validate(bytes) ? new wasm.Module(bytes) : null)
  }
  return modules.get(stride)!
}

/** The same arithmetic in JavaScript, for runtimes without WebAssembly SIMD (and to test the kernel). */
export function scanFallback(
  memory: WasmMemory,
  stride: number,
  query: number,
  matrix: number,
  inv: number,
  out: number,
  quads: number,
): void {
  const bytes = new Int8Array(memory.buffer)
  const f32 = new Float32Array(memory.buffer)
  for (let r = 0; r < 4 * quads; r++) {
    const row = matrix + r * stride
    let sum = 0
    for (let i = 0; i < stride; i++) sum += bytes[query + i]! * bytes[row + i]!
    f32[(out >> 2) + r] = Math.fround(Math.fround(sum) * f32[(inv >> 2) + r]!)
  }
}

export function createScanKernel(stride: number, options: { forceFallback?: boolean } = {}): ScanKernel {
  const memory = new wasm.Memory({ initial: 1 })
  const module = options.forceFallback ? null : compiled(stride)
  if (module) {
    const instance = new wasm.Instance(module, { env: { memory } })
    const scan = instance.exports.scan as (q: number, m: number, i: number, o: number, n: number) => void
    return { memory, simd: true, scan }
  }
  return {
    memory,
    simd: false,
    scan: (q, m, i, o, n) => scanFallback(memory, stride, q, m, i, o, n),
  }
}
