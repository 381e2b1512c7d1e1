/** Absolute addresses of tensors on the wasm heap, for kernels that hand them to oneDNN. */
import { addressOf } from "../onednn/convolution.ts"
import type { Info, WasmBackend } from "./wasm-tensors.ts"

/** The heap's current base address (a malloc may grow the heap into a new buffer: take it again after every allocation). */
export const heapBase = (backend: WasmBackend): number =>
  addressOf((backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8)

/** Where a tensor's data starts, given the heap's current base. */
export const tensorAddress = (backend: WasmBackend, base: number, info: Info): number => base + backend.getMemoryOffset(info.dataId)
