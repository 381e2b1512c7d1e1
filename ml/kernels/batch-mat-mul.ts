/**
 * BatchMatMul for wasm. The stock kernel reaches XNNPACK only for an untransposed product; with
 * transposeA or transposeB (every matMul gradient, SimCLR's z z^T) it runs a plain loop, 5-10x
 * slower. A single (batch 1) transposed product is rewritten as an untransposed one, either
 *   C   = A' B'                (transposing the stored operands that need it), or
 *   C^T = B'^T A'^T, transposed back,
 * whichever moves fewer floats: XNNPACK packs its right operand on every call (~20 ns per float),
 * a transpose costs ~5 ns per float. Batched products go to the stock kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import { matMul, release, runWasmKernel, view, type Info, type WasmBackend, type WasmKernelArgs } from "./wasm-tensors.ts"

/** Measured costs per float (ns) on the dev machine; only their ratio matters. */
const PACK_NS = 20
const TRANSPOSE_NS = 5

/** The product of all but the last two dimensions. */
const batchOf = (shape: ReadonlyArray<number>): number => shape.slice(0, -2).reduce((a, b) => a * b, 1)

/** A stored [rows, cols] matrix transposed into a new tensor [cols, rows] (release it after use). */
const transposed = (backend: WasmBackend, info: Info, rows: number, cols: number): Info =>
  runWasmKernel(backend, "Transpose", { x: view(info, [rows, cols]) }, { perm: [1, 0] })

/** A stored [rows, cols] matrix as an operand: itself (a view) or, when `needsTranspose`, a transposed copy to release. */
const operand = (backend: WasmBackend, info: Info, rows: number, cols: number, needsTranspose: boolean) =>
  needsTranspose
    ? { info: transposed(backend, info, rows, cols), owned: true }
    : { info: view(info, [rows, cols]), owned: false }

interface Product {
  readonly m: number
  readonly k: number
  readonly n: number
  readonly transposeA: boolean
  readonly transposeB: boolean
}

/** Floats moved by each plan, weighted by their cost. */
export const planCosts = ({ m, k, n, transposeA, transposeB }: Product) => ({
  direct: TRANSPOSE_NS * ((transposeA ? m * k : 0) + (transposeB ? k * n : 0)) + PACK_NS * k * n,
  swapped: TRANSPOSE_NS * ((transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n) + PACK_NS * k * m
})

/** [rows, inner] x [inner, cols] of two operands, releasing the transposed copies among them. */
const multiplyOperands = (
  backend: WasmBackend,
  left: ReturnType<typeof operand>,
  right: ReturnType<typeof operand>,
  rows: number, inner: number, cols: number
): Info => {
  const out = matMul(backend, left.info, right.info, rows, inner, cols)
  for (const o of [left, right]) if (o.owned) release(backend, o.info)
  return out
}

/** C [m, n] for a single product; a and b are stored as [m, k] / [k, m] and [k, n] / [n, k]. */
const singleProduct = (backend: WasmBackend, a: Info, b: Info, p: Product): Info => {
  const { m, k, n, transposeA, transposeB } = p
  const [aRows, aCols] = transposeA ? [k, m] : [m, k]
  const [bRows, bCols] = transposeB ? [n, k] : [k, n]
  const costs = planCosts(p)
  if (costs.direct <= costs.swapped) {
    const left = operand(backend, a, aRows, aCols, transposeA)
    return multiplyOperands(backend, left, operand(backend, b, bRows, bCols, transposeB), m, k, n)
  }
  // C^T = B'^T A'^T: B'^T is b as stored when transposeB, A'^T is a as stored when transposeA.
  const left = operand(backend, b, bRows, bCols, !transposeB)
  const outT = multiplyOperands(backend, left, operand(backend, a, aRows, aCols, !transposeA), n, k, m)
  const out = transposed(backend, outT, n, m)
  release(backend, outT)
  return out
}

export const batchMatMulConfig = (stock: tf.KernelConfig): tf.KernelConfig => ({
  kernelName: tf.BatchMatMul,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs) => {
    const { inputs, backend, attrs } = args
    const { a, b } = inputs as { a: Info; b: Info }
    const transposeA = attrs.transposeA === true, transposeB = attrs.transposeB === true
    if ((!transposeA && !transposeB) || batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1 || a.dtype !== "float32") {
      return stock.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0])
    }
    const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2)
    const m = transposeA ? ac : ar, k = transposeA ? ar : ac, n = transposeB ? br : bc
    if ((transposeB ? bc : br) !== k) {
      throw new Error(`matMul: inner shapes ${k} and ${transposeB ? bc : br} of [${a.shape}] and [${b.shape}] do not match`)
    }
    const out = singleProduct(backend, a, b, { m, k, n, transposeA, transposeB })
    const rank = Math.max(a.shape.length, b.shape.length)
    return view(out, [...Array<number>(rank - 2).fill(1), m, n])
  }) as unknown as tf.KernelFunc
})
