/**
 * Conv2DBackpropFilter for the wasm backend (stock wasm has none): im2col in JS, then one XNNPACK
 * matmul per chunk of images. wasm's fast matmul path packs its right operand (the "weights")
 * on every call, at ~20 ns per element, so the smaller of patches and dy goes on the right:
 *   K >  CO: dW   [K, CO] = patches^T [K, M] @ dy      [M, CO]
 *   K <= CO: dW^T [CO, K] = dy^T      [CO, M] @ patches [M, K]
 * (wasm's BatchMatMul with transposeA/transposeB is a plain loop, so operands are transposed in JS.)
 */
import * as tf from "@tensorflow/tfjs-core"
import { convGeometry, type ConvGeometry } from "./conv-geometry.ts"
import { im2col, im2colTransposed, imagesPerChunk, transposeInto } from "./patches.ts"
import { allocF32, heapF32, matMul, release, type Info, type WasmBackend, type WasmKernelArgs } from "./wasm-tensors.ts"

/** Adds one chunk's contribution, in [K, CO] layout, to `sum`. */
const accumulateChunk = (backend: WasmBackend, x: Info, dy: Info, g: ConvGeometry, n0: number, count: number, sum: Float32Array): void => {
  const K = g.filterHeight * g.filterWidth * g.inChannels, CO = g.outChannels
  const M = count * g.outHeight * g.outWidth, dyOffset = n0 * g.outHeight * g.outWidth * CO
  const left = allocF32(backend, K > CO ? [K, M] : [CO, M])
  const right = allocF32(backend, K > CO ? [M, CO] : [M, K])
  if (K > CO) {
    im2colTransposed(heapF32(backend, x), g, n0, count, heapF32(backend, left))
    heapF32(backend, right).set(heapF32(backend, dy).subarray(dyOffset, dyOffset + M * CO))
  } else {
    transposeInto(heapF32(backend, dy), M, CO, heapF32(backend, left), dyOffset)
    im2col(heapF32(backend, x), g, n0, count, heapF32(backend, right))
  }
  const partial = K > CO ? matMul(backend, left, right, K, M, CO) : matMul(backend, left, right, CO, M, K)
  const values = heapF32(backend, partial)
  if (K > CO) for (let i = 0; i < sum.length; i++) sum[i] += values[i]
  else for (let co = 0; co < CO; co++) for (let k = 0; k < K; k++) sum[k * CO + co] += values[co * K + k]
  release(backend, partial)
  release(backend, left)
  release(backend, right)
}

/** Chunks of ~256K patch floats: XNNPACK's GEMM does not block the (here huge) inner dimension, so cache-sized chunks run faster. */
const CHUNK_FLOATS = 1 << 18

const conv2DBackpropFilter = ({ inputs, backend, attrs }: WasmKernelArgs): Info => {
  const { x, dy } = inputs as { x: Info; dy: Info }
  const filterShape = attrs.filterShape as [number, number, number, number]
  const g = convGeometry("Conv2DBackpropFilter", x.shape, filterShape, attrs as any)
  const chunk = imagesPerChunk(g, CHUNK_FLOATS)
  const sum = new Float32Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels)
  for (let n0 = 0; n0 < g.batch; n0 += chunk) accumulateChunk(backend, x, dy, g, n0, Math.min(chunk, g.batch - n0), sum)
  const out = allocF32(backend, filterShape)
  heapF32(backend, out).set(sum)
  return out
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc
}
