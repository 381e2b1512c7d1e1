/**
 * Registers the project's gradient kernels for the wasm backend. Idempotent. Kernels that replace
 * a stock wasm kernel keep the stock one's setupFunc so the backend still initialises it.
 */
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-wasm"
import { batchMatMulConfig } from "./batch-mat-mul.ts"
import { conv2DBackpropFilterConfig } from "./conv2d-backprop-filter.ts"
import { conv2DBackpropInputConfig } from "./conv2d-backprop-input.ts"
import { maxPoolGradConfig } from "./max-pool-grad.ts"
import { naiveConv2DBackpropFilterConfig } from "./naive-conv2d-backprop-filter.ts"
import { sumLeadingAxesConfig } from "./sum-leading-axes.ts"

/** Name and version of this kernel set, recorded in provenance (bump when results could change). */
export const SEED_KERNELS = "seed-wasm-grad v2"
/** The benchmark baseline: stock wasm plus only the filter gradient it lacks, as a plain loop. */
export const STOCK_KERNELS = "stock+naive-filter-grad"

export type KernelSet = "seed" | "stock"

/** A kernel to install; `make` receives the stock kernel it replaces, for kernels that delegate to it. */
interface Replacement {
  readonly kernelName: string
  readonly make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig
}

const kernelSets: Record<KernelSet, ReadonlyArray<Replacement>> = {
  seed: [
    { kernelName: tf.Conv2DBackpropFilter, make: () => conv2DBackpropFilterConfig },
    { kernelName: tf.Conv2DBackpropInput, make: () => conv2DBackpropInputConfig },
    { kernelName: tf.MaxPoolGrad, make: () => maxPoolGradConfig },
    { kernelName: tf.Sum, make: (stock) => sumLeadingAxesConfig(stock!) },
    { kernelName: tf.BatchMatMul, make: (stock) => batchMatMulConfig(stock!) }
  ],
  stock: [{ kernelName: tf.Conv2DBackpropFilter, make: () => naiveConv2DBackpropFilterConfig }]
}

let registered: KernelSet | undefined

/** Installs (or replaces) a kernel set in tfjs's registry for backend "wasm"; one set per process. */
export const registerSeedKernels = (set: KernelSet = "seed"): void => {
  if (registered === set) return
  if (registered !== undefined) throw new Error(`seed kernels: "${registered}" kernels already registered, cannot switch to "${set}"`)
  for (const { kernelName, make } of kernelSets[set]) {
    const stock = tf.getKernel(kernelName, "wasm")
    const config = make(stock)
    if (stock !== undefined) tf.unregisterKernel(config.kernelName, "wasm")
    const setupFunc = config.setupFunc ?? stock?.setupFunc
    tf.registerKernel(setupFunc === undefined ? config : { ...config, setupFunc })
  }
  registered = set
}
