/**
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter for the wasm backend on oneDNN (ml/onednn/):
 * oneDNN reads and writes the tensors in place on the wasm heap. Dilated or NCHW convolutions go to
 * the kernel this one replaces (stock Conv2D, or the seed gradient kernels and their clear errors).
 */
import * as tf from "@tensorflow/tfjs-core"
import { runConvolution, type ConvPass, type ConvShape } from "../onednn/convolution.ts"
import { convGeometry, type ConvAttrs } from "./conv-geometry.ts"
import { heapBase, tensorAddress } from "./native-heap.ts"
import { allocF32, type Info, type WasmBackend, type WasmKernelArgs } from "./wasm-tensors.ts"

const supported = (attrs: ConvAttrs): boolean =>
  (attrs.dataFormat === undefined || attrs.dataFormat === "NHWC") && tf.backend_util.tupleValuesAreOne(attrs.dilations ?? 1)

/** Allocates the output, then runs the pass on the three tensors' heap addresses (taken after the allocation: a malloc may move the heap). */
const run = (backend: WasmBackend, pass: ConvPass, g: ConvShape, a: Info, b: Info, outShape: ReadonlyArray<number>): Info => {
  const result = allocF32(backend, outShape)
  if (outShape.some((d) => d === 0)) return result
  const base = heapBase(backend)
  runConvolution(pass, g, [a, b, result].map((t) => tensorAddress(backend, base, t)) as [number, number, number])
  return result
}

type Make = (fallback: tf.KernelConfig) => tf.KernelConfig

const kernel = (kernelName: string, fallback: tf.KernelConfig, native: (args: WasmKernelArgs) => Info): tf.KernelConfig => ({
  kernelName,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs) =>
    supported(args.attrs as ConvAttrs) ? native(args) : fallback.kernelFunc(args as any)) as unknown as tf.KernelFunc
})

export const nativeConv2DConfig: Make = (fallback) =>
  kernel(tf.Conv2D, fallback, ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs as { x: Info; filter: Info }
    const g = convGeometry("Conv2D", x.shape, filter.shape, attrs as ConvAttrs)
    return run(backend, "forward", g, x, filter, [g.batch, g.outHeight, g.outWidth, g.outChannels])
  })

export const nativeConv2DBackpropInputConfig: Make = (fallback) =>
  kernel(tf.Conv2DBackpropInput, fallback, ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: Info; filter: Info }
    const inputShape = attrs.inputShape as [number, number, number, number]
    return run(backend, "backwardData", convGeometry("Conv2DBackpropInput", inputShape, filter.shape, attrs as ConvAttrs), dy, filter, inputShape)
  })

export const nativeConv2DBackpropFilterConfig: Make = (fallback) =>
  kernel(tf.Conv2DBackpropFilter, fallback, ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: Info; dy: Info }
    const filterShape = attrs.filterShape as [number, number, number, number]
    return run(backend, "backwardWeights", convGeometry("Conv2DBackpropFilter", x.shape, filterShape, attrs as ConvAttrs), x, dy, filterShape)
  })
