/**
 * The project's replacements of forward ops on wasm (matMul, sums over leading axes): every wasm
 * stage runs them, the linear probe and kNN included. Kept apart from the training kernels
 * (./register.ts) so that the probe's code holds no gradient or convolution kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import { batchMatMulConfig } from "./batch-mat-mul.ts"
import { installKernelSet, type Replacement } from "./install.ts"
import { sumLeadingAxesConfig } from "./sum-leading-axes.ts"

export const forwardKernels: ReadonlyArray<Replacement> = [
  { kernelName: tf.Sum, make: (stock) => sumLeadingAxesConfig(stock!) },
  { kernelName: tf.BatchMatMul, make: (stock) => batchMatMulConfig(stock!) }
]

/** Provenance name of the forward set alone (what the probe runs). */
export const SEED_FORWARD_KERNELS = "seed-wasm-forward v2"

/** Installs the forward set; returns its provenance name. */
export const installForwardKernels = (): string => {
  installKernelSet(SEED_FORWARD_KERNELS, forwardKernels)
  return SEED_FORWARD_KERNELS
}
