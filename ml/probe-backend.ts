/**
 * The backend for the linear probe: forward ops only (matrix products and sums, gradients written
 * out by hand), so neither tfjs's gradient functions nor the project's gradient kernels are loaded;
 * on wasm it runs the same forward kernels as training (./kernels/forward-kernels.ts).
 */
import type * as Effect from "effect/Effect"
import { openBackendEffect, type BackendInfo, type BackendPreference, type BackendUnavailable } from "./compute-backend.ts"
import { forwardKernels, SEED_FORWARD_KERNELS } from "./kernels/forward-kernels.ts"
import { installKernels } from "./kernels/install.ts"

/** Picks and initializes the backend for the probe. */
export const initProbeBackend = (preference: BackendPreference, options: { readonly threads?: number } = {}): Effect.Effect<BackendInfo, BackendUnavailable> =>
  openBackendEffect(preference, { threads: options.threads, wasmKernels: { name: SEED_FORWARD_KERNELS, install: () => installKernels(forwardKernels) } })
