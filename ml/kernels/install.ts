/**
 * Installs kernel replacements in tfjs's registry for backend "wasm". Kernels that replace a stock
 * wasm kernel keep the stock one's setupFunc so the backend still initialises it. Idempotent per
 * kernel: installing the same replacement again does nothing, installing another one is an error.
 */
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-wasm"

/** A kernel to install; `make` receives the stock kernel it replaces, for kernels that delegate to it. */
export interface Replacement {
  readonly kernelName: string
  /** Names this replacement (set name and kernel): the same id is the same code. */
  readonly id: string
  readonly make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig
}

const installed = new Map<string, string>()

/** Installs each replacement not installed yet; throws if another one already holds its kernel. */
export const installKernels = (replacements: ReadonlyArray<Replacement>): void => {
  for (const { kernelName, id, make } of replacements) {
    const current = installed.get(kernelName)
    if (current === id) continue
    if (current !== undefined) throw new Error(`seed kernels: ${kernelName} already has "${current}", cannot switch to "${id}"`)
    const stock = tf.getKernel(kernelName, "wasm")
    const config = make(stock)
    if (stock !== undefined) tf.unregisterKernel(config.kernelName, "wasm")
    const setupFunc = config.setupFunc ?? stock?.setupFunc
    tf.registerKernel(setupFunc === undefined ? config : { ...config, setupFunc })
    installed.set(kernelName, id)
  }
}
