/**
 * Installs a named set of kernel replacements in tfjs's registry for backend "wasm", replacing the
 * set installed before (tfjs-backend-wasm's own kernels come back first). Kernels keep the stock
 * setupFunc, which the backend runs when it initialises. Training (./register.ts) and the probe
 * (./forward-kernels.ts) name their sets through this one registry, so they can share a process.
 */
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-wasm"

/** A kernel to install; `make` receives the kernel it replaces (stock, or an earlier one of its set), for kernels that delegate to it. */
export interface Replacement {
  readonly kernelName: string
  readonly make: (previous: tf.KernelConfig | undefined) => tf.KernelConfig
}

let installed: string | undefined
/** The kernels tfjs-backend-wasm itself registered, kept so that another set can replace the current one. */
const original = new Map<string, tf.KernelConfig | undefined>()

/** Installs set `name` (no-op when it is the one installed). */
export const installKernelSet = (name: string, replacements: ReadonlyArray<Replacement>): void => {
  if (installed === name) return
  for (const [kernelName, stock] of original) {
    if (tf.getKernel(kernelName, "wasm") !== undefined) tf.unregisterKernel(kernelName, "wasm")
    if (stock !== undefined) tf.registerKernel(stock)
  }
  for (const { kernelName, make } of replacements) {
    const previous = tf.getKernel(kernelName, "wasm")
    if (!original.has(kernelName)) original.set(kernelName, previous)
    const config = make(previous)
    if (previous !== undefined) tf.unregisterKernel(config.kernelName, "wasm")
    const setupFunc = config.setupFunc ?? previous?.setupFunc
    tf.registerKernel(setupFunc === undefined ? config : { ...config, setupFunc })
  }
  installed = name
}
