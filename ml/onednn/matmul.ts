/**
 * Matrix products on oneDNN's matmul primitive: c [batch, m, n] = op(a) op(b), with op a transpose read
 * through the memory's strides (no copies) and a batch of 1 broadcast against the other operand's batch.
 * Plans are cached per shape. (Not `dnnl_sgemm`: Debian's 2.6.3 corrupted its own packing buffer in
 * the SSL heads' products, found when a run aborted in free(); the primitive API is what the
 * convolutions already use.)
 */
import { loadOneDnn } from "./library.ts"
import { argsOf, cachedPlan, execute, memoryOf, primitiveOf, stridedDesc, type Plan } from "./primitive.ts"

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

const ARG = { src: 1, weights: 33, dst: 17 } as const
const plans = new Map<string, Plan>()
let runs = 0

const build = (p: Product): Plan => {
  const { batchA, batchB, m, n, k } = p
  const a = stridedDesc([batchA, m, k], p.transposeA ? [m * k, 1, m] : [m * k, k, 1])
  const b = stridedDesc([batchB, k, n], p.transposeB ? [k * n, 1, k] : [k * n, n, 1])
  const c = stridedDesc([Math.max(batchA, batchB), m, n], [m * n, n, 1])
  const { primitive } = primitiveOf("matmul", (desc) => loadOneDnn().api.matmulInit(desc, a, b, null, c))
  const bound = [memoryOf(a), memoryOf(b), memoryOf(c)]
  return { primitive, args: argsOf([[ARG.src, bound[0]], [ARG.weights, bound[1]], [ARG.dst, bound[2]]]), nargs: 3, bound }
}

/** Runs the product on memory at absolute addresses (valid for the call); k must be positive. */
export const runMatMul = (p: Product, a: number, b: number, c: number): void => {
  const key = `${p.batchA},${p.batchB},${p.m},${p.n},${p.k},${p.transposeA ? 1 : 0}${p.transposeB ? 1 : 0}`
  execute(cachedPlan(plans, key, () => build(p)), [a, b, c])
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
