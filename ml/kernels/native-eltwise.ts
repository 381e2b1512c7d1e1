/**
 * Element-wise kernels of the native set on oneDNN (`../onednn/eltwise.ts`), in place on the wasm heap:
 * Softplus (DIM's JSD estimator runs it over every [B, K, B] score twice), Sigmoid (Softplus's
 * gradient), Relu, and the ReLU gradient in one pass (`ReluGrad`, called by ./relu-gradient.ts; stock
 * tfjs takes three: Step, Cast, Multiply). Other dtypes go to the kernel each replaces.
 */
import * as tf from "@tensorflow/tfjs-core"
import { ELTWISE, runEltwiseBackward, runEltwiseForward, type EltwiseAlgorithm } from "../onednn/eltwise.ts"
import { heapBase, tensorAddress } from "./native-heap.ts"
import { RELU_GRAD } from "./relu-gradient.ts"
import { allocF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

const size = (shape: ReadonlyArray<number>): number => shape.reduce((a, b) => a * b, 1)

const unary = (kernelName: string, alg: EltwiseAlgorithm) => (fallback: tf.KernelConfig): tf.KernelConfig => ({
  kernelName,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Info => {
    const { x } = args.inputs as { x: Info }
    if (x.dtype !== "float32") return fallback.kernelFunc(args as any) as Info
    const result = allocF32(args.backend, x.shape)
    const count = size(x.shape)
    if (count === 0) return result
    const base = heapBase(args.backend)
    runEltwiseForward(alg, count, tensorAddress(args.backend, base, x), tensorAddress(args.backend, base, result))
    return result
  }) as unknown as tf.KernelFunc
})

export const nativeSoftplusConfig = unary(tf.Softplus, ELTWISE.softRelu)
export const nativeSigmoidConfig = unary(tf.Sigmoid, ELTWISE.logistic)
export const nativeReluConfig = unary(tf.Relu, ELTWISE.relu)

/** dx = dy where x > 0, else 0: the ReLU gradient in one pass. */
export const nativeReluGradConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Info => {
    const { dy, x } = args.inputs as { dy: Info; x: Info }
    const result = allocF32(args.backend, x.shape)
    const count = size(x.shape)
    if (count === 0) return result
    const base = heapBase(args.backend)
    const [px, pdy, pdx] = [x, dy, result].map((t) => tensorAddress(args.backend, base, t))
    runEltwiseBackward(ELTWISE.relu, count, px, pdy, pdx)
    return result
  }) as unknown as tf.KernelFunc
}
