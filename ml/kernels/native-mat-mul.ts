/**
 * BatchMatMul for the native kernel set on oneDNN's matmul (`../onednn/matmul.ts`), in place on the wasm heap:
 * transposed operands are read as stored (no transpose copies, no per-call packing of a fresh right
 * operand by XNNPACK), on oneDNN's threads. The SSL heads' dense layers and score products (DIM's
 * [B*K, D] x [D, B], the autoencoder's decoder) are where the quick profile's steps spent most time.
 * Batches are one primitive (a batch of 1 broadcast); other broadcasting goes to the kernel this one replaces.
 */
import * as tf from "@tensorflow/tfjs-core"
import { runMatMul } from "../onednn/matmul.ts"
import { heapBase, tensorAddress } from "./native-heap.ts"
import { allocF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

const product = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a * b, 1)
const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean => a.length === b.length && a.every((d, i) => d === b[i])

export const nativeBatchMatMulConfig = (fallback: tf.KernelConfig): tf.KernelConfig => ({
  kernelName: tf.BatchMatMul,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Info => {
    const { inputs, backend, attrs } = args
    const { a, b } = inputs as { a: Info; b: Info }
    const transposeA = attrs.transposeA === true, transposeB = attrs.transposeB === true
    const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2)
    const batchA = product(outerA), batchB = product(outerB)
    const broadcastable = sameShape(outerA, outerB) || batchA === 1 || batchB === 1
    if (a.dtype !== "float32" || b.dtype !== "float32" || !broadcastable) return fallback.kernelFunc(args as any) as Info
    const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2)
    const m = transposeA ? ac : ar, k = transposeA ? ar : ac, n = transposeB ? br : bc
    if ((transposeB ? bc : br) !== k) {
      throw new Error(`matMul: inner shapes ${k} and ${transposeB ? bc : br} of [${a.shape}] and [${b.shape}] do not match`)
    }
    const batch = Math.max(batchA, batchB)
    const outer = batchB > batchA || (batchA === batchB && outerB.length > outerA.length) ? outerB : outerA
    const result = allocF32(backend, [...outer, m, n])
    if (batch * m * n === 0) return result
    if (k === 0) {
      // an empty inner dimension: the product is zeros (oneDNN refuses k = 0)
      backend.typedArrayFromHeap(result).fill(0)
      return result
    }
    const base = heapBase(backend)
    const [pa, pb, pc] = [a, b, result].map((t) => tensorAddress(backend, base, t))
    runMatMul({ batchA, batchB, m, n, k, transposeA, transposeB }, pa, pb, pc)
    return result
  }) as unknown as tf.KernelFunc
})
