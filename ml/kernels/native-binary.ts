/**
 * Add, Sub, Mul, RealDiv of the native set on oneDNN (`../onednn/binary.ts`), in place on the wasm heap,
 * for float32 tensors of at least MIN_SIZE elements whose other operand is a trailing block broadcast
 * over them (a bias over NHWC activations: 5.3 vs 8.6 ms at [256, 28, 28, 32], one thread); Add and Mul
 * also with the operands the other way round. Same shapes and scalars stay on wasm's XNNPACK kernels,
 * measured faster there (2.8 vs 5.0 ms, 1.6 vs 5.1 ms), as do small tensors.
 */
import * as tf from "@tensorflow/tfjs-core"
import { BINARY, runBinary, type BinaryAlgorithm } from "../onednn/binary.ts"
import { heapBase, tensorAddress } from "./native-heap.ts"
import { allocF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

const MIN_SIZE = 16384

const size = (shape: ReadonlyArray<number>): number => shape.reduce((a, b) => a * b, 1)

/** Whether `small`, leading 1s dropped, is the trailing block of `large`. */
const isTrailingBlock = (large: ReadonlyArray<number>, small: ReadonlyArray<number>): boolean => {
  const first = small.findIndex((d) => d !== 1)
  const trimmed = first === -1 ? [] : small.slice(first)
  return trimmed.length <= large.length && trimmed.every((d, i) => d === large[large.length - trimmed.length + i])
}

const binary = (kernelName: string, alg: BinaryAlgorithm, commutative: boolean) => (fallback: tf.KernelConfig): tf.KernelConfig => ({
  kernelName,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Info => {
    const { a, b } = args.inputs as { a: Info; b: Info }
    const outShape = a.dtype === "float32" && b.dtype === "float32" ? tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape) : undefined
    const total = outShape === undefined ? 0 : size(outShape)
    // the full-size operand first; the other one the same size or a trailing block of it
    const [large, small] = size(a.shape) === total ? [a, b] : commutative && size(b.shape) === total ? [b, a] : [undefined, undefined]
    const cols = small === undefined ? 0 : size(small.shape)
    if (outShape === undefined || total < MIN_SIZE || large === undefined || small === undefined || cols <= 1 || cols === total ||
      !isTrailingBlock(large.shape, small.shape)) {
      return fallback.kernelFunc(args as any) as Info
    }
    const result = allocF32(args.backend, outShape)
    const base = heapBase(args.backend)
    const [pl, ps, po] = [large, small, result].map((t) => tensorAddress(args.backend, base, t))
    runBinary(alg, total / cols, cols, pl, ps, po)
    return result
  }) as unknown as tf.KernelFunc
})

export const nativeAddConfig = binary(tf.Add, BINARY.add, true)
export const nativeMulConfig = binary(tf.Multiply, BINARY.mul, true)
export const nativeSubConfig = binary(tf.Sub, BINARY.sub, false)
export const nativeDivConfig = binary(tf.RealDiv, BINARY.div, false)
