/**
 * The plain-loop Conv2DBackpropFilter that stock wasm lacks: the "stock wasm" baseline of
 * `pnpm bench train-step` (selectBackend(..., { kernels: "stock" })), not used for training.
 */
import * as tf from "@tensorflow/tfjs-core"
import { convGeometry } from "./conv-geometry.ts"
import { allocF32, heapF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

const naiveConv2DBackpropFilter = ({ inputs, backend, attrs }: WasmKernelArgs): Info => {
  const { x, dy } = inputs as { x: Info; dy: Info }
  const filterShape = attrs.filterShape as [number, number, number, number]
  const g = convGeometry("Conv2DBackpropFilter", x.shape, filterShape, attrs as any)
  const out = allocF32(backend, filterShape)
  const dw = heapF32(backend, out).fill(0), xs = heapF32(backend, x), dys = heapF32(backend, dy)
  const { inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = g
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * g.strideHeight - g.padTop + kh
          if (ih < 0 || ih >= H) continue
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * g.strideWidth - g.padLeft + kw
            if (iw < 0 || iw >= W) continue
            const xBase = ((n * H + ih) * W + iw) * CI, dyBase = ((n * OH + oh) * OW + ow) * CO
            for (let ci = 0; ci < CI; ci++) {
              const xv = xs[xBase + ci], wBase = ((kh * g.filterWidth + kw) * CI + ci) * CO
              for (let co = 0; co < CO; co++) dw[wBase + co] += xv * dys[dyBase + co]
            }
          }
        }
      }
    }
  }
  return out
}

export const naiveConv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: naiveConv2DBackpropFilter as unknown as tf.KernelFunc
}
