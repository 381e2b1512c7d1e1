/**
 * Conv2DBackpropInput for the wasm backend (stock wasm's is a plain loop, ~1.4 s on the reference net).
 * Stride 1: one XNNPACK Conv2D of dy with the flipped, in/out-swapped filter.
 * Stride > 1: phase (sub-pixel) decomposition, one stride-1 XNNPACK Conv2D per output phase.
 * Anything else (padding larger than the filter): patches = dy @ W^T on XNNPACK, then col2im in JS.
 */
import * as tf from "@tensorflow/tfjs-core"
import { convGeometry, type ConvGeometry } from "./conv-geometry.ts"
import { col2im, imagesPerChunk, transposeInto } from "./patches.ts"
import { phasePlans, type PhasePlan } from "./phase-plan.ts"
import { allocF32, heapF32, matMul, release, runWasmKernel, type Info, type WasmBackend, type WasmKernelArgs } from "./wasm-tensors.ts"

/** Flipped sub-filter for one phase: taps kh0 + s*j (reversed), laid out [JH, JW, CO, CI]. */
const phaseFilter = (w: Float32Array, g: ConvGeometry, p: PhasePlan, out: Float32Array): void => {
  const { filterWidth: KW, inChannels: CI, outChannels: CO } = g
  let dst = 0
  for (let j = 0; j < p.taps.height; j++) {
    const kh = p.first.height + g.strideHeight * (p.taps.height - 1 - j)
    for (let i = 0; i < p.taps.width; i++) {
      const kw = p.first.width + g.strideWidth * (p.taps.width - 1 - i)
      const tap = (kh * KW + kw) * CI * CO
      for (let co = 0; co < CO; co++) for (let ci = 0; ci < CI; ci++) out[dst++] = w[tap + ci * CO + co]
    }
  }
}

/** Copies a phase result [N, QH, QW, CI] into every s-th pixel of dx starting at the phase offset. */
const scatterPhase = (src: Float32Array, g: ConvGeometry, p: PhasePlan, dx: Float32Array): void => {
  const { inHeight: H, inWidth: W, inChannels: C, batch } = g
  let s = 0
  for (let n = 0; n < batch; n++) {
    for (let q = 0; q < p.rows; q++) {
      const ih = p.offset.height + q * g.strideHeight
      for (let r = 0; r < p.cols; r++) {
        let d = ((n * H + ih) * W + p.offset.width + r * g.strideWidth) * C
        for (let c = 0; c < C; c++) dx[d++] = src[s++]
      }
    }
  }
}

/** One stride-1 XNNPACK Conv2D of dy with a phase's flipped sub-filter: that phase of dx, [N, rows, cols, CI]. */
const phaseConv = (backend: WasmBackend, dy: Info, filter: Info, g: ConvGeometry, p: PhasePlan): Info => {
  const sub = allocF32(backend, [p.taps.height, p.taps.width, g.outChannels, g.inChannels])
  phaseFilter(heapF32(backend, filter), g, p, heapF32(backend, sub))
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [p.pad.top, p.pad.bottom], [p.pad.left, p.pad.right], [0, 0]]
  const result = runWasmKernel(backend, "Conv2D", { x: dy, filter: sub }, {
    strides: 1, pad, dataFormat: "NHWC", dilations: 1, dimRoundingMode: undefined
  })
  release(backend, sub)
  return result
}

const viaPhases = (backend: WasmBackend, dy: Info, filter: Info, g: ConvGeometry, plans: ReadonlyArray<PhasePlan>): Info => {
  const hasTaps = (p: PhasePlan) => p.taps.height > 0 && p.taps.width > 0
  // stride 1: the single phase is dx itself.
  if (plans.length === 1 && hasTaps(plans[0])) return phaseConv(backend, dy, filter, g, plans[0])
  const dx = allocF32(backend, [g.batch, g.inHeight, g.inWidth, g.inChannels])
  if (!plans.every(hasTaps)) heapF32(backend, dx).fill(0)
  for (const p of plans.filter(hasTaps)) {
    const result = phaseConv(backend, dy, filter, g, p)
    scatterPhase(heapF32(backend, result), g, p, heapF32(backend, dx))
    release(backend, result)
  }
  return dx
}

const viaPatches = (backend: WasmBackend, dy: Info, filter: Info, g: ConvGeometry): Info => {
  const dx = allocF32(backend, [g.batch, g.inHeight, g.inWidth, g.inChannels])
  const K = g.filterHeight * g.filterWidth * g.inChannels, CO = g.outChannels, pixels = g.outHeight * g.outWidth
  const chunk = imagesPerChunk(g)
  // W^T [CO, K] in JS: wasm's matmul with transposeB is a plain loop.
  const filterT = allocF32(backend, [CO, K])
  transposeInto(heapF32(backend, filter), K, CO, heapF32(backend, filterT))
  heapF32(backend, dx).fill(0)
  for (let n0 = 0; n0 < g.batch; n0 += chunk) {
    const count = Math.min(chunk, g.batch - n0), M = count * pixels
    const dyChunk = allocF32(backend, [M, CO])
    heapF32(backend, dyChunk).set(heapF32(backend, dy).subarray(n0 * pixels * CO, (n0 * pixels + M) * CO))
    const cols = matMul(backend, dyChunk, filterT, M, CO, K)
    release(backend, dyChunk)
    col2im(heapF32(backend, cols), g, n0, count, heapF32(backend, dx))
    release(backend, cols)
  }
  release(backend, filterT)
  return dx
}

const conv2DBackpropInput = ({ inputs, backend, attrs }: WasmKernelArgs): Info => {
  const { dy, filter } = inputs as { dy: Info; filter: Info }
  const inputShape = attrs.inputShape as [number, number, number, number]
  const g = convGeometry("Conv2DBackpropInput", inputShape, filter.shape, attrs as any)
  const plans = phasePlans(g)
  return plans !== undefined ? viaPhases(backend, dy, filter, g, plans) : viaPatches(backend, dy, filter, g)
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc
}
