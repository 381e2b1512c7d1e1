/**
 * MaxPoolGrad for the wasm backend (stock wasm's took ~430 ms on the pool reference net):
 * each window's gradient goes to its first maximum in row-major order, as on the cpu backend.
 * Channels are the inner loop so every read is contiguous (NHWC).
 */
import * as tf from "@tensorflow/tfjs-core"
import { allocF32, heapF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

const maxPoolGrad = ({ inputs, backend, attrs }: WasmKernelArgs): Info => {
  const { dy, input } = inputs as { dy: Info; input: Info }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode
  )
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info
  const out = allocF32(backend, input.shape)
  const dx = heapF32(backend, out).fill(0), x = heapF32(backend, input), g = heapF32(backend, dy)
  const best = new Float32Array(C), where = new Int32Array(C)
  let gradIndex = 0
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * info.strideHeight - info.padInfo.top
      for (let ow = 0; ow < OW; ow++, gradIndex += C) {
        const iw0 = ow * info.strideWidth - info.padInfo.left
        const ihStart = Math.max(0, ih0), ihEnd = Math.min(H, ih0 + KH)
        const iwStart = Math.max(0, iw0), iwEnd = Math.min(W, iw0 + KW)
        if (ihStart >= ihEnd || iwStart >= iwEnd) continue
        const first = ((n * H + ihStart) * W + iwStart) * C
        for (let c = 0; c < C; c++) { best[c] = x[first + c]; where[c] = first + c }
        for (let ih = ihStart; ih < ihEnd; ih++) {
          for (let iw = ih === ihStart ? iwStart + 1 : iwStart; iw < iwEnd; iw++) {
            const pixel = ((n * H + ih) * W + iw) * C
            for (let c = 0; c < C; c++) {
              const v = x[pixel + c]
              if (v > best[c]) { best[c] = v; where[c] = pixel + c }
            }
          }
        }
        for (let c = 0; c < C; c++) dx[where[c]] += g[gradIndex + c]
      }
    }
  }
  return out
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc
}
