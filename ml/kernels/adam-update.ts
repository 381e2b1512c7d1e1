/**
 * One Adam update of a variable as a single wasm kernel (`AdamUpdate`): x, m, v and the gradient in,
 * the new x, m and v out, computed in JavaScript straight from the heap. tfjs-core's Adam runs about
 * fifteen small ops per variable (a reference step: 130 kernels and their bookkeeping, ~6 ms of 60 at
 * two threads). Every operation is rounded to float32 in tfjs-core's order, so the bytes are those
 * of `tf.train.adam` (tested), and checkpoints taken with either one resume with the other.
 */
import * as tf from "@tensorflow/tfjs-core"
import { allocF32, heapF32, type Info, type WasmKernelArgs } from "./wasm-tensors.ts"

export const ADAM_UPDATE = "AdamUpdate"

/** The kernel's attributes: the optimizer's constants and this step's bias corrections, as tfjs-core rounds them. */
export interface AdamUpdateAttrs {
  readonly learningRate: number
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number
  /** 1 - beta1^t and 1 - beta2^t, each already a float32 (tfjs-core subtracts float32 tensors). */
  readonly oneMinusAccBeta1: number
  readonly oneMinusAccBeta2: number
}

const f = Math.fround

/** The update itself, on plain arrays (a function of its own: V8 optimises the loop once for every variable). */
const adamStep = (
  xs: Float32Array, ms: Float32Array, vs: Float32Array, gs: Float32Array,
  xOut: Float32Array, mOut: Float32Array, vOut: Float32Array, a: AdamUpdateAttrs
): void => {
  // the scalars as tfjs-core makes them: float32 tensors of the JavaScript numbers
  const b1 = f(a.beta1), c1 = f(1 - a.beta1), b2 = f(a.beta2), c2 = f(1 - a.beta2)
  const eps = f(a.epsilon), step = f(-a.learningRate), d1 = f(a.oneMinusAccBeta1), d2 = f(a.oneMinusAccBeta2)
  for (let i = 0; i < xs.length; i++) {
    const gi = gs[i]
    const mi = f(f(ms[i] * b1) + f(gi * c1))
    const vi = f(f(vs[i] * b2) + f(f(gi * gi) * c2))
    mOut[i] = mi
    vOut[i] = vi
    const corrected = f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps))
    xOut[i] = f(f(corrected * step) + xs[i])
  }
}

export const adamUpdateConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: "wasm",
  kernelFunc: ((args: WasmKernelArgs): Array<Info> => {
    const { x, m, v, g } = args.inputs as { x: Info; m: Info; v: Info; g: Info }
    const a = args.attrs as unknown as AdamUpdateAttrs
    const outputs = [allocF32(args.backend, x.shape), allocF32(args.backend, x.shape), allocF32(args.backend, x.shape)]
    // views after the allocations: a malloc may have moved the heap
    const [xs, ms, vs, gs] = [x, m, v, g].map((t) => heapF32(args.backend, t))
    const [xOut, mOut, vOut] = outputs.map((t) => heapF32(args.backend, t))
    adamStep(xs, ms, vs, gs, xOut, mOut, vOut, a)
    return outputs
  }) as unknown as tf.KernelFunc
}
