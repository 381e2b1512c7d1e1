/**
 * The backend for training: the compute backend (./compute-backend.ts) with tfjs-core's gradient
 * functions registered (tf.variableGrads and optimizer.minimize without the `@tensorflow/tfjs`
 * umbrella) and the project's training kernels on wasm (./kernels/register.ts): gradient kernels,
 * and with "native" the convolutions on oneDNN.
 */
import type * as Effect from "effect/Effect"
import { openBackend, openBackendEffect, type BackendInfo, type BackendPreference, type BackendUnavailable, type WasmKernels } from "./compute-backend.ts"
import { registerCoreGradients } from "./kernels/core-gradients.ts"
import { NATIVE_KERNELS, registerSeedKernels, SEED_KERNELS, STOCK_KERNELS, type KernelSet } from "./kernels/register.ts"

export { backendProvenance, BackendPreferenceSchema, BackendUnavailable } from "./compute-backend.ts"
export type { BackendInfo, BackendName, BackendPreference } from "./compute-backend.ts"

export interface BackendOptions {
  /** native: oneDNN's OpenMP threads (default: every core). wasm: XNNPACK threads (single-threaded in Node). */
  readonly threads?: number
  /** "stock" only for the benchmark baseline: stock wasm plus a naive filter gradient. */
  readonly kernels?: KernelSet
}

const trainingKernels = (asked: KernelSet | undefined): WasmKernels => ({
  prepare: registerCoreGradients,
  autoMayPickNative: asked === undefined,
  install: (native) => {
    const set: KernelSet = native ? "native" : asked ?? "seed"
    registerSeedKernels(set)
    return set === "native" ? NATIVE_KERNELS : set === "seed" ? SEED_KERNELS : STOCK_KERNELS
  }
})

/** Picks and initializes the backend for training (see openBackend for what "auto" picks). */
export const selectBackend = (preference: BackendPreference, options?: BackendOptions): Promise<BackendInfo> =>
  openBackend(preference, { threads: options?.threads }, trainingKernels(options?.kernels))

/** selectBackend as an Effect. */
export const initBackend = (preference: BackendPreference, options?: BackendOptions): Effect.Effect<BackendInfo, BackendUnavailable> =>
  openBackendEffect(preference, { threads: options?.threads }, trainingKernels(options?.kernels))
