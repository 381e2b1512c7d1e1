/**
 * Registers the project's kernels for training on the wasm backend: the gradient kernels (stock
 * wasm lacks or is slow at them) plus the forward replacements every wasm stage uses.
 */
import * as tf from "@tensorflow/tfjs-core"
import { conv2DBackpropFilterConfig } from "./conv2d-backprop-filter.ts"
import { conv2DBackpropInputConfig } from "./conv2d-backprop-input.ts"
import { forwardKernels } from "./forward-kernels.ts"
import { installKernels, type Replacement } from "./install.ts"
import { maxPoolGradConfig } from "./max-pool-grad.ts"
import { naiveConv2DBackpropFilterConfig } from "./naive-conv2d-backprop-filter.ts"

/** Name and version of this kernel set, recorded in provenance (bump when results could change). */
export const SEED_KERNELS = "seed-wasm-grad v2"
/** The benchmark baseline: stock wasm plus only the filter gradient it lacks, as a plain loop. */
export const STOCK_KERNELS = "stock+naive-filter-grad"

export type KernelSet = "seed" | "stock"

const kernelSets: Record<KernelSet, ReadonlyArray<Replacement>> = {
  seed: [
    { kernelName: tf.Conv2DBackpropFilter, id: "seed-conv2d-backprop-filter", make: () => conv2DBackpropFilterConfig },
    { kernelName: tf.Conv2DBackpropInput, id: "seed-conv2d-backprop-input", make: () => conv2DBackpropInputConfig },
    { kernelName: tf.MaxPoolGrad, id: "seed-max-pool-grad", make: () => maxPoolGradConfig },
    ...forwardKernels
  ],
  stock: [{ kernelName: tf.Conv2DBackpropFilter, id: "naive-conv2d-backprop-filter", make: () => naiveConv2DBackpropFilterConfig }]
}

/** Installs (or replaces) a kernel set in tfjs's registry for backend "wasm"; one set per process. */
export const registerSeedKernels = (set: KernelSet = "seed"): void => installKernels(kernelSets[set])
