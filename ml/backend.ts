/**
 * The backend for training: the compute backend (./compute-backend.ts) with tfjs-core's gradient
 * functions registered (so tf.variableGrads and optimizer.minimize work without the
 * `@tensorflow/tfjs` umbrella) and, on wasm, the project's gradient kernels (ml/kernels/register.ts).
 */
import type * as Effect from "effect/Effect"
import {
  openBackend, openBackendEffect, type BackendInfo, type BackendPreference, type BackendUnavailable
} from "./compute-backend.ts"
import { registerCoreGradients } from "./kernels/core-gradients.ts"
import { registerSeedKernels, SEED_KERNELS, STOCK_KERNELS, type KernelSet } from "./kernels/register.ts"

export {
  backendProvenance, BackendPreferenceSchema, BackendUnavailable, type BackendInfo, type BackendPreference
} from "./compute-backend.ts"

export interface BackendOptions {
  /** XNNPACK threads; wasm in Node is single-threaded whatever is asked (see ml/kernels/README.md). */
  readonly threads?: number
  /** "stock" only for the benchmark baseline: stock wasm plus a naive filter gradient. */
  readonly kernels?: KernelSet
}

const trainingOptions = (options?: BackendOptions) => {
  const kernels = options?.kernels ?? "seed"
  return {
    threads: options?.threads,
    prepare: registerCoreGradients,
    wasmKernels: { name: kernels === "seed" ? SEED_KERNELS : STOCK_KERNELS, install: () => registerSeedKernels(kernels) }
  }
}

/** Picks and initializes the backend for training (see compute-backend.ts for the choice). */
export const selectBackend = (preference: BackendPreference, options?: BackendOptions): Promise<BackendInfo> =>
  openBackend(preference, trainingOptions(options))

/** selectBackend as an Effect. */
export const initBackend = (preference: BackendPreference, options?: BackendOptions): Effect.Effect<BackendInfo, BackendUnavailable> =>
  openBackendEffect(preference, trainingOptions(options))
