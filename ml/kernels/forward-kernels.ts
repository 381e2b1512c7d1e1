/**
 * The project's replacements of forward ops on wasm (matMul, sums over leading axes): every wasm
 * stage runs them, the linear probe included. Kept apart from the training kernels
 * (./register.ts) so that the probe's code holds no gradient kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import { batchMatMulConfig } from "./batch-mat-mul.ts"
import type { Replacement } from "./install.ts"
import { sumLeadingAxesConfig } from "./sum-leading-axes.ts"

export const forwardKernels: ReadonlyArray<Replacement> = [
  { kernelName: tf.Sum, id: "seed-sum-leading-axes", make: (stock) => sumLeadingAxesConfig(stock!) },
  { kernelName: tf.BatchMatMul, id: "seed-batch-mat-mul", make: (stock) => batchMatMulConfig(stock!) }
]

/** Provenance name of the forward set alone (what the probe runs). */
export const SEED_FORWARD_KERNELS = "seed-wasm-forward v2"
