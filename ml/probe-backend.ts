/**
 * The backend for the linear probe and kNN: forward ops only (matrix products and sums; the probe's
 * gradients are written out by hand), so neither tfjs's gradient functions nor the project's gradient
 * or convolution kernels are in their code. It runs the forward kernels of ./kernels/forward-kernels.ts:
 * the wasm ones, and on "native" its matrix products and sums on oneDNN.
 */
import type * as Effect from "effect/Effect"
import { openBackendEffect, type BackendInfo, type BackendPreference, type BackendUnavailable } from "./compute-backend.ts"
import { installForwardKernels } from "./kernels/forward-kernels.ts"

/** Picks and initializes the backend for the probe. */
export const initProbeBackend = (preference: BackendPreference, options: { readonly threads?: number } = {}): Effect.Effect<BackendInfo, BackendUnavailable> =>
  openBackendEffect(preference, { threads: options.threads }, { autoMayPickNative: true, install: installForwardKernels })
