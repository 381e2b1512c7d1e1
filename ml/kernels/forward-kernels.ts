/**
 * The project's replacements of forward ops on wasm (matMul, sums over leading axes): every wasm
 * stage runs them, the linear probe and kNN included. Kept apart from the training kernels
 * (./register.ts) so that the probe's code holds no gradient or convolution kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import { batchMatMulConfig } from "./batch-mat-mul.ts"
import { installKernelSet, type Replacement } from "./install.ts"
import { nativeBatchMatMulConfig } from "./native-mat-mul.ts"
import { nativeSumConfig } from "./native-reduce.ts"
import { sumLeadingAxesConfig } from "./sum-leading-axes.ts"

export const forwardKernels: ReadonlyArray<Replacement> = [
  { kernelName: tf.Sum, make: (stock) => sumLeadingAxesConfig(stock!) },
  { kernelName: tf.BatchMatMul, make: (stock) => batchMatMulConfig(stock!) }
]

/** The forward set with its products and sums on oneDNN (the `native` backend): the probe's objective is two products and a sum. */
const nativeForwardKernels: ReadonlyArray<Replacement> = [
  ...forwardKernels,
  { kernelName: tf.Sum, make: (previous) => nativeSumConfig(previous!) },
  { kernelName: tf.BatchMatMul, make: (previous) => nativeBatchMatMulConfig(previous!) }
]

/** Provenance name of the forward set alone (what the probe runs). */
export const SEED_FORWARD_KERNELS = "seed-wasm-forward v2"
export const NATIVE_FORWARD_KERNELS = "seed-wasm-forward v2 + onednn-matmul v1 + onednn-reduce v1"

/** Installs the forward set (`native`: with oneDNN's products and sums); returns its provenance name. */
export const installForwardKernels = (native: boolean): string => {
  const name = native ? NATIVE_FORWARD_KERNELS : SEED_FORWARD_KERNELS
  installKernelSet(name, native ? nativeForwardKernels : forwardKernels)
  return name
}
