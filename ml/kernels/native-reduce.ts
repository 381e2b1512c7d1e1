/**
 * Reductions and a copy the reference step spends its non-conv time in, for the native kernel set:
 *   Sum / Mean over a contiguous block of non-trailing axes (bias gradients: dy summed over N, H, W;
 *   global average pooling: mean over H, W) as one oneDNN matmul (ml/onednn/row-sum.ts), where stock wasm
 *   transposes first and the seed Sum loops in JS;
 *   Identity without a copy (tfjs-core clones every tensor it saves for the backward pass; stock wasm
 *   copies it, the cpu backend shares it): the output shares the input's heap memory, reference-counted.
 * Anything else goes to the kernel each replaces.
 */
import * as tf from "@tensorflow/tfjs-core"
import { runRowSum } from "../onednn/row-sum.ts"
import { heapBase, tensorAddress } from "./native-heap.ts"
import { allocF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

/** x seen as [before, reduced, after] when `axis` is one contiguous block of axes with something after it; undefined otherwise. */
const middleBlock = (shape: ReadonlyArray<number>, axis: number | Array<number>): [number, number, number] | undefined => {
  const axes = tf.util.parseAxisParam(axis, [...shape]).sort((a, b) => a - b)
  if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return undefined
  const last = axes[axes.length - 1]
  if (last >= shape.length - 1) return undefined // trailing reductions: stock wasm does them without a transpose
  const product = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a * b, 1)
  return [product(shape.slice(0, axes[0])), product(shape.slice(axes[0], last + 1)), product(shape.slice(last + 1))]
}

const reducedShape = (shape: ReadonlyArray<number>, axis: number | Array<number>, keepDims: boolean): Array<number> => {
  const axes = tf.util.parseAxisParam(axis, [...shape])
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))
}

const reduction = (kernelName: string, mean: boolean) => (fallback: tf.KernelConfig): tf.KernelConfig => ({
  kernelName,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Info => {
    const { x } = args.inputs as { x: Info }
    const block = x.dtype === "float32" ? middleBlock(x.shape, args.attrs.axis) : undefined
    if (block === undefined || block.some((d) => d === 0)) return fallback.kernelFunc(args as any) as Info
    const [before, reduced, after] = block
    const result = allocF32(args.backend, reducedShape(x.shape, args.attrs.axis, args.attrs.keepDims === true))
    const base = heapBase(args.backend)
    runRowSum(before, reduced, after, mean ? 1 / reduced : 1, tensorAddress(args.backend, base, x), tensorAddress(args.backend, base, result))
    return result
  }) as unknown as tf.KernelFunc
})

export const nativeSumConfig = reduction(tf.Sum, false)
export const nativeMeanConfig = reduction(tf.Mean, true)

export const sharedIdentityConfig = (fallback: tf.KernelConfig): tf.KernelConfig => ({
  kernelName: tf.Identity,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Info => {
    const { x } = args.inputs as { x: Info }
    if (x.dtype === "string") return fallback.kernelFunc(args as any) as Info
    args.backend.incRef(x.dataId)
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype }
  }) as unknown as tf.KernelFunc
})
