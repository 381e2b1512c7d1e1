/**
 * Matrix products on oneDNN's matmul primitive: c [batch, m, n] = op(a) op(b), with op a transpose read
 * through the memory's strides (no copies) and a batch of 1 broadcast against the other operand's batch.
 * Plans are cached per shape. (Not `dnnl_sgemm`: Debian's 2.6.3 corrupted its own packing buffer in
 * the SSL heads' products, found when a run aborted in free(); the primitive API is what the
 * convolutions already use.)
 */
import { loadOneDnn } from "./library.ts"
import { engineAndStream } from "./convolution.ts"

export interface Product {
  readonly batchA: number
  readonly batchB: number
  readonly m: number
  readonly n: number
  readonly k: number
  /** a is stored [k, m] (else [m, k]) per batch entry. */
  readonly transposeA: boolean
  /** b is stored [n, k] (else [k, n]) per batch entry. */
  readonly transposeB: boolean
}

interface Plan {
  readonly primitive: bigint
  readonly args: Uint8Array
  readonly memories: readonly [bigint, bigint, bigint]
}

const MD_BYTES = 1024, OP_DESC_BYTES = 8192, F32 = 3
const ARG = { src: 1, weights: 33, dst: 17 } as const
const out = new BigUint64Array(1)
const plans = new Map<string, Plan>()
let runs = 0

const check = (status: number, what: string): void => {
  if (status !== 0) throw new Error(`oneDNN ${what} failed with status ${status}`)
}
const created = (status: number, what: string): bigint => {
  check(status, what)
  return out[0]
}

const build = (p: Product): Plan => {
  const { api } = loadOneDnn()
  const { engine } = engineAndStream()
  const md = (dims: ReadonlyArray<number>, strides: ReadonlyArray<number>): Uint8Array => {
    const m = new Uint8Array(MD_BYTES)
    check(api.mdInitByStrides(m, 3, BigInt64Array.from(dims.map(BigInt)), F32, BigInt64Array.from(strides.map(BigInt))), "memory_desc_init_by_strides")
    return m
  }
  const { batchA, batchB, m, n, k } = p
  const a = md([batchA, m, k], p.transposeA ? [m * k, 1, m] : [m * k, k, 1])
  const b = md([batchB, k, n], p.transposeB ? [k * n, 1, k] : [k * n, n, 1])
  const c = md([Math.max(batchA, batchB), m, n], [m * n, n, 1])
  const desc = new Uint8Array(OP_DESC_BYTES)
  check(api.matmulInit(desc, a, b, null, c), "matmul_desc_init")
  const pd = created(api.pdCreate(out, desc, null, engine, null), "matmul primitive_desc_create")
  const primitive = created(api.primitiveCreate(out, pd), "matmul primitive_create")
  const memories = [a, b, c].map((d) => created(api.memoryCreate(out, d, engine, null), "memory_create")) as [bigint, bigint, bigint]
  const args = new Uint8Array(48)
  const view = new DataView(args.buffer)
  ;[ARG.src, ARG.weights, ARG.dst].forEach((arg, i) => {
    view.setInt32(16 * i, arg, true)
    view.setBigUint64(16 * i + 8, memories[i], true)
  })
  return { primitive, args, memories }
}

/** Runs the product on memory at absolute addresses (valid for the call); k must be positive. */
export const runMatMul = (p: Product, a: number, b: number, c: number): void => {
  const key = `${p.batchA},${p.batchB},${p.m},${p.n},${p.k},${p.transposeA ? 1 : 0}${p.transposeB ? 1 : 0}`
  let plan = plans.get(key)
  if (plan === undefined) {
    plan = build(p)
    plans.set(key, plan)
  }
  const { api } = loadOneDnn()
  const { stream } = engineAndStream()
  ;[a, b, c].forEach((address, i) => check(api.memorySetHandle(plan.memories[i], address), "memory_set_data_handle"))
  check(api.primitiveExecute(plan.primitive, stream, 3, plan.args), "primitive_execute")
  check(api.streamWait(stream), "stream_wait")
  runs++
}

/** How many products ran natively in this process (tests check the kernels were used). */
export const matMulRuns = (): number => runs
/** How many plans are cached (a leak check). */
export const cachedMatMulPlans = (): number => plans.size

/**
 * out [rows x cols] = a [rows x depth] times b^T (b [cols x depth]), on JS-owned arrays: every row of
 * `a` dotted with every row of `b`. Each operand is handed over by address, so it is copied first when
 * it is small enough for V8 to keep on its moving heap (typed arrays of 64 bytes or less).
 */
export const multiplyByTransposed = (a: Float32Array, rows: number, b: Float32Array, cols: number, depth: number, out: Float32Array): void => {
  if (a.length < rows * depth || b.length < cols * depth || out.length < rows * cols) {
    throw new RangeError(`matmul: operands too short for ${rows}x${depth} times (${cols}x${depth})^T`)
  }
  if (rows === 0 || cols === 0) return
  if (depth === 0) {
    out.fill(0, 0, rows * cols)
    return
  }
  const { koffi } = loadOneDnn()
  const stable = (x: Float32Array, length: number): Float32Array => {
    if (x.byteLength > 256) return x
    const copy = new Float32Array(64)
    copy.set(x.subarray(0, Math.min(length, 64)))
    return copy
  }
  const [sa, sb] = [stable(a, rows * depth), stable(b, cols * depth)]
  const so = out.byteLength > 256 ? out : new Float32Array(64)
  runMatMul(
    { batchA: 1, batchB: 1, m: rows, n: cols, k: depth, transposeA: false, transposeB: true },
    Number(koffi.address(sa)), Number(koffi.address(sb)), Number(koffi.address(so))
  )
  if (so !== out) out.set(so.subarray(0, rows * cols))
}
