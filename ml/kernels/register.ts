/**
 * The project's kernel sets for training on wasm: gradient kernels (stock wasm lacks or is slow at
 * them) plus the forward replacements; "native" adds the oneDNN convolutions and reductions.
 */
import * as tf from "@tensorflow/tfjs-core"
import { conv2DBackpropFilterConfig } from "./conv2d-backprop-filter.ts"
import { conv2DBackpropInputConfig } from "./conv2d-backprop-input.ts"
import { adamUpdateConfig } from "./adam-update.ts"
import { maxPoolGradConfig } from "./max-pool-grad.ts"
import { forwardKernels } from "./forward-kernels.ts"
import { installKernelSet, type Replacement } from "./install.ts"
import { naiveConv2DBackpropFilterConfig } from "./naive-conv2d-backprop-filter.ts"
import { nativeMeanConfig, nativeSumConfig, sharedIdentityConfig } from "./native-reduce.ts"
import { nativeConv2DBackpropFilterConfig, nativeConv2DBackpropInputConfig, nativeConv2DConfig, nativeFusedConv2DConfig } from "./native-conv.ts"
import { nativeAddConfig, nativeDivConfig, nativeMulConfig, nativeSubConfig } from "./native-binary.ts"
import { nativeReluConfig, nativeReluGradConfig, nativeSigmoidConfig, nativeSoftplusConfig } from "./native-eltwise.ts"
import { nativeBatchMatMulConfig } from "./native-mat-mul.ts"

/** Name and version of this kernel set, recorded in provenance (bump when results could change). */
export const SEED_KERNELS = "seed-wasm-grad v2"
/** The benchmark baseline: stock wasm plus only the filter gradient it lacks, as a plain loop. */
export const STOCK_KERNELS = "stock+naive-filter-grad"

/** The seed kernels with the convolutions (forward and both gradients), reductions and matrix products on oneDNN (ml/onednn/). */
export const NATIVE_KERNELS = "seed-wasm-grad v2 + onednn-conv v2 + onednn-reduce v1 + onednn-matmul v1 + onednn-eltwise v1 + onednn-binary v1"

export type KernelSet = "seed" | "stock" | "native"

const seedSet: ReadonlyArray<Replacement> = [
  { kernelName: tf.Conv2DBackpropFilter, make: () => conv2DBackpropFilterConfig },
  { kernelName: tf.Conv2DBackpropInput, make: () => conv2DBackpropInputConfig },
  { kernelName: tf.MaxPoolGrad, make: () => maxPoolGradConfig },
  { kernelName: adamUpdateConfig.kernelName, make: () => adamUpdateConfig },
  ...forwardKernels
]

const kernelSets: Record<KernelSet, ReadonlyArray<Replacement>> = {
  seed: seedSet,
  // after the seed set: each native kernel falls back to the one registered before it (seed or stock)
  native: [
    ...seedSet,
    { kernelName: tf.Conv2D, make: (previous) => nativeConv2DConfig(previous!) },
    { kernelName: tf.FusedConv2D, make: (previous) => nativeFusedConv2DConfig(previous!) },
    { kernelName: tf.Conv2DBackpropInput, make: (previous) => nativeConv2DBackpropInputConfig(previous!) },
    { kernelName: tf.Conv2DBackpropFilter, make: (previous) => nativeConv2DBackpropFilterConfig(previous!) },
    { kernelName: tf.Sum, make: (previous) => nativeSumConfig(previous!) },
    { kernelName: tf.Mean, make: (previous) => nativeMeanConfig(previous!) },
    { kernelName: tf.Identity, make: (previous) => sharedIdentityConfig(previous!) },
    { kernelName: tf.BatchMatMul, make: (previous) => nativeBatchMatMulConfig(previous!) },
    { kernelName: tf.Softplus, make: (previous) => nativeSoftplusConfig(previous!) },
    { kernelName: tf.Sigmoid, make: (previous) => nativeSigmoidConfig(previous!) },
    { kernelName: tf.Relu, make: (previous) => nativeReluConfig(previous!) },
    { kernelName: nativeReluGradConfig.kernelName, make: () => nativeReluGradConfig },
    { kernelName: tf.Add, make: (previous) => nativeAddConfig(previous!) },
    { kernelName: tf.Sub, make: (previous) => nativeSubConfig(previous!) },
    { kernelName: tf.Multiply, make: (previous) => nativeMulConfig(previous!) },
    { kernelName: tf.RealDiv, make: (previous) => nativeDivConfig(previous!) }
  ],
  stock: [{ kernelName: tf.Conv2DBackpropFilter, make: () => naiveConv2DBackpropFilterConfig }]
}

/** Installs a kernel set in tfjs's registry for backend "wasm", replacing the set installed before. */
export const registerSeedKernels = (set: KernelSet = "seed"): void => installKernelSet(set, kernelSets[set])
