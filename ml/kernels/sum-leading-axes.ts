/**
 * Sum for the wasm backend, fast path for reductions over the leading axes (the bias gradient:
 * dy [N, H, W, C] summed over N, H, W), which stock wasm does by transposing first (~60-120 ms on
 * the reference net). Other reductions go to the stock kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import { allocF32, heapF32, type Info, type WasmBackend } from "./wasm-tensors.ts"

type SumArgs = { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: Record<string, any> }

/** How many leading axes `axis` covers, or 0 if it is not exactly [0, 1, ..., j-1] with j < rank. */
const leadingAxes = (axis: number | Array<number>, rank: number): number => {
  const axes = tf.util.parseAxisParam(axis, [...Array(rank).keys()].map(() => 1)).sort((a, b) => a - b)
  const isLeading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i)
  return isLeading ? axes.length : 0
}

/** Wraps the stock Sum kernel. */
export const sumLeadingAxesConfig = (stock: tf.KernelConfig): tf.KernelConfig => ({
  kernelName: tf.Sum,
  backendName: "wasm",
  kernelFunc: ((args: SumArgs): Info => {
    const { x } = args.inputs as { x: Info }
    const lead = x.dtype === "float32" ? leadingAxes(args.attrs.axis, x.shape.length) : 0
    if (lead === 0) return stock.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info
    const inner = x.shape.slice(lead).reduce((a, b) => a * b, 1)
    const rows = x.shape.slice(0, lead).reduce((a, b) => a * b, 1)
    const shape = args.attrs.keepDims ? [...x.shape.slice(0, lead).map(() => 1), ...x.shape.slice(lead)] : x.shape.slice(lead)
    const out = allocF32(args.backend, shape)
    // float64 accumulation: tens of thousands of rows would lose digits in float32.
    const acc = new Float64Array(inner)
    const values = heapF32(args.backend, x)
    for (let r = 0, base = 0; r < rows; r++, base += inner) for (let j = 0; j < inner; j++) acc[j] += values[base + j]
    heapF32(args.backend, out).set(acc)
    return out
  }) as unknown as tf.KernelFunc
})
