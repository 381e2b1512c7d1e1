/**
 * Low-level access to tensors that live in the wasm backend's heap, for the project's kernels.
 * Views of the heap are taken after every allocation: a malloc may grow (and detach) the heap.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"

export type WasmBackend = BackendWasm
export type Info = tf.TensorInfo

/** What tfjs passes to a wasm kernel function. */
export interface WasmKernelArgs {
  readonly inputs: tf.NamedTensorInfoMap
  readonly backend: WasmBackend
  readonly attrs: Record<string, any>
}

/** A Float32Array view onto a float32 tensor's heap memory (valid until the next allocation). */
export const heapF32 = (backend: WasmBackend, info: Info): Float32Array =>
  backend.typedArrayFromHeap(info) as Float32Array

/** Allocates an uninitialised float32 tensor on the heap. */
export const allocF32 = (backend: WasmBackend, shape: ReadonlyArray<number>): Info =>
  backend.makeOutput([...shape], "float32")

/** The same heap memory seen with another shape (no copy, no new reference: do not dispose it). */
export const view = (info: Info, shape: ReadonlyArray<number>): Info => ({ dataId: info.dataId, dtype: info.dtype, shape: [...shape] })

/** Frees a tensor this kernel allocated and does not return. */
export const release = (backend: WasmBackend, info: Info): void => {
  backend.disposeData(info.dataId)
}

/** Runs another kernel registered for wasm (XNNPACK-backed ones: Conv2D, BatchMatMul) on heap tensors. */
export const runWasmKernel = (
  backend: WasmBackend,
  kernelName: string,
  inputs: Record<string, Info>,
  attrs: Record<string, unknown>
): Info => {
  const kernel = tf.getKernel(kernelName, "wasm")
  if (kernel === undefined) throw new Error(`seed kernels: wasm kernel '${kernelName}' is not registered`)
  return kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap }) as Info
}

/**
 * a [m, k] @ b [k, n] -> [m, n] on XNNPACK's fully-connected operator. b is packed on every call
 * (and cached by tensor id, so b must be a tensor allocated for this call, never a reused buffer).
 */
export const matMul = (backend: WasmBackend, a: Info, b: Info, m: number, k: number, n: number): Info => {
  const out = runWasmKernel(backend, "BatchMatMul", { a: view(a, [1, m, k]), b: view(b, [1, k, n]) }, { transposeA: false, transposeB: false })
  return view(out, [m, n])
}
