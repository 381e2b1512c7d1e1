/**
 * Plain matrix products on oneDNN's gemm (`dnnl_sgemm`, row-major), on JS-owned Float32Arrays: for
 * products outside tfjs (the kNN similarities), where a tensor round trip would only add copies.
 * Threads: OpenMP's count as set by the backend (`setThreads`); for one machine and thread count the
 * result is byte-identical from run to run.
 */
import { loadOneDnn } from "./library.ts"

let calls = 0
/** How many gemm calls ran in this process (tests check the native kernels were used). */
export const gemmCalls = (): number => calls

const N = "N".charCodeAt(0)
const T = "T".charCodeAt(0)

/**
 * out [rows x cols] = a [rows x depth] times b^T, b being [cols x depth]: every row of `a` dotted with
 * every row of `b` (float32 accumulation, blocked by oneDNN).
 */
export const multiplyByTransposed = (a: Float32Array, rows: number, b: Float32Array, cols: number, depth: number, out: Float32Array): void => {
  if (a.length < rows * depth || b.length < cols * depth || out.length < rows * cols) {
    throw new RangeError(`gemm: operands too short for ${rows}x${depth} times (${cols}x${depth})^T`)
  }
  if (rows === 0 || cols === 0) return
  if (depth === 0) {
    out.fill(0, 0, rows * cols)
    return
  }
  calls++
  const status = loadOneDnn().api.sgemm(N, T, rows, cols, depth, 1, a, depth, b, depth, 0, out, cols)
  if (status !== 0) throw new Error(`oneDNN sgemm failed with status ${status}`)
}

/**
 * Row-major c [m x n] = op(a) op(b) on memory at absolute addresses (tensors on the wasm heap):
 * a stored [m x k], or [k x m] when `transposeA`; b stored [k x n], or [n x k] when `transposeB`.
 */
export const gemmAt = (
  transposeA: boolean, transposeB: boolean, m: number, n: number, k: number,
  a: number, b: number, c: number
): void => {
  calls++
  const status = loadOneDnn().api.sgemm(transposeA ? T : N, transposeB ? T : N, m, n, k, 1, a, transposeA ? m : k, b, transposeB ? k : n, 0, c, n)
  if (status !== 0) throw new Error(`oneDNN sgemm failed with status ${status}`)
}
