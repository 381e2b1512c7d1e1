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
import { nativeMeanConfig, nativeSumConfig, sharedIdentityConfig } from "./native-reduce.ts"
import { nativeConv2DBackpropFilterConfig, nativeConv2DBackpropInputConfig, nativeConv2DConfig } from "./native-conv.ts"
import { sumLeadingAxesConfig } from "./sum-leading-axes.ts"

/** Name and version of this kernel set, recorded in provenance (bump when results could change). */
export const SEED_KERNELS = "seed-wasm-grad v2"
/** The benchmark baseline: stock wasm plus only the filter gradient it lacks, as a plain loop. */
export const STOCK_KERNELS = "stock+naive-filter-grad"

/** The seed kernels with the convolutions (forward and both gradients) on oneDNN (ml/onednn/). */
export const NATIVE_KERNELS = "seed-wasm-grad v2 + onednn-conv v1 + onednn-reduce v1"

export type KernelSet = "seed" | "stock" | "native"

/** A kernel to install; `make` receives the kernel it replaces (stock, or an earlier one of its set), for kernels that delegate to it. */
interface Replacement {
  readonly kernelName: string
  readonly make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig
}

const seedSet: ReadonlyArray<Replacement> = [
    { kernelName: tf.Conv2DBackpropFilter, make: () => conv2DBackpropFilterConfig },
    { kernelName: tf.Conv2DBackpropInput, make: () => conv2DBackpropInputConfig },
    { kernelName: tf.MaxPoolGrad, make: () => maxPoolGradConfig },
    { kernelName: tf.Sum, make: (stock) => sumLeadingAxesConfig(stock!) },
    { kernelName: tf.BatchMatMul, make: (stock) => batchMatMulConfig(stock!) }
]

const kernelSets: Record<KernelSet, ReadonlyArray<Replacement>> = {
  seed: seedSet,
  // after the seed set: each native kernel falls back to the one registered before it (seed or stock)
  native: [
    ...seedSet,
    { kernelName: tf.Conv2D, make: (previous) => nativeConv2DConfig(previous!) },
    { kernelName: tf.Conv2DBackpropInput, make: (previous) => nativeConv2DBackpropInputConfig(previous!) },
    { kernelName: tf.Conv2DBackpropFilter, make: (previous) => nativeConv2DBackpropFilterConfig(previous!) },
    { kernelName: tf.Sum, make: (previous) => nativeSumConfig(previous!) },
    { kernelName: tf.Mean, make: (previous) => nativeMeanConfig(previous!) },
    { kernelName: tf.Identity, make: (previous) => sharedIdentityConfig(previous!) }
  ],
  stock: [{ kernelName: tf.Conv2DBackpropFilter, make: () => naiveConv2DBackpropFilterConfig }]
}

let registered: KernelSet | undefined
/** The kernels tfjs-backend-wasm itself registered, kept so that another set can replace the current one. */
const original = new Map<string, tf.KernelConfig | undefined>()

/**
 * Installs a kernel set in tfjs's registry for backend "wasm", replacing the set installed before (the
 * stock kernels come back first). Kernels keep the stock setupFunc, which the backend runs when it initialises.
 */
export const registerSeedKernels = (set: KernelSet = "seed"): void => {
  if (registered === set) return
  for (const [kernelName, stock] of original) {
    if (tf.getKernel(kernelName, "wasm") !== undefined) tf.unregisterKernel(kernelName, "wasm")
    if (stock !== undefined) tf.registerKernel(stock)
  }
  for (const { kernelName, make } of kernelSets[set]) {
    const stock = tf.getKernel(kernelName, "wasm")
    if (!original.has(kernelName)) original.set(kernelName, stock)
    const config = make(stock)
    if (stock !== undefined) tf.unregisterKernel(config.kernelName, "wasm")
    const setupFunc = config.setupFunc ?? stock?.setupFunc
    tf.registerKernel(setupFunc === undefined ? config : { ...config, setupFunc })
  }
  registered = set
}
