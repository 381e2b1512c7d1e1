/**
 * The compute backend, whatever runs on it: picks and initialises a TensorFlow.js backend,
 *   "tensorflow": @tensorflow/tfjs-node (libtensorflow), only when it imports AND runs an op;
 *   "wasm": XNNPACK plus the kernels the caller installs (ml/kernels/), the default here;
 *   "cpu": tfjs's pure-JS backend, only when asked (hundreds of times slower for convolutions).
 * Training (ml/backend.ts) and the linear probe (ml/probe-backend.ts) each name their kernels, so
 * neither's code holds the other's.
 *
 * Ops to avoid on wasm (measured, batch 256, see ml/kernels/README.md): tf.matMul with
 * transposeA (13x slower than transposing first); tf.transpose of big tensors; tf.conv2d with
 * 1 input channel is slow per FLOP; tf.sum over leading axes is replaced by a seed kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import * as path from "node:path"

export type BackendPreference = "auto" | "tensorflow" | "wasm" | "cpu"
export const BackendPreferenceSchema = Schema.Literal("auto", "tensorflow", "wasm", "cpu")

/** What ran the computation; goes into every stage's provenance. */
export interface BackendInfo {
  readonly name: string
  readonly version: string
  readonly threads: number
  /** The gradient kernel set in use, e.g. "seed-wasm-grad v2", or "stock". */
  readonly kernels: string
}

/** The requested backend cannot be initialised here. */
export class BackendUnavailable extends Data.TaggedError("BackendUnavailable")<{
  readonly message: string
  readonly hint?: string
}> {}

/** What a caller runs on the backend: its wasm kernels, and what must be registered first. */
export interface ComputeOptions {
  /** XNNPACK threads; wasm in Node is single-threaded whatever is asked (see ml/kernels/README.md). */
  readonly threads?: number
  /** The project's wasm kernels this caller needs: installed before the backend starts, named in provenance. */
  readonly wasmKernels: { readonly name: string; readonly install: () => void }
  /** Runs before any backend is tried (e.g. registering gradient functions for training). */
  readonly prepare?: () => Promise<void>
}

const require = createRequire(import.meta.url)

const smokeTest = (): void => {
  const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync())
  if (sum[0] !== 4 || sum[1] !== 6) throw new Error(`backend ${tf.getBackend()} computed 1+3=${sum[0]}, 2+4=${sum[1]}`)
}

/** tfjs-node, if its native binary is installed and works; undefined otherwise (never throws). */
const tryTensorflow = async (): Promise<BackendInfo | undefined> => {
  try {
    const node: { version: Record<string, string> } = await import("@tensorflow/tfjs-node" as string)
    if (!(await tf.setBackend("tensorflow"))) return undefined
    smokeTest()
    return { name: "tensorflow", version: node.version["tfjs-node"] ?? tf.version_core, threads: 0, kernels: "libtensorflow" }
  } catch {
    return undefined
  }
}

const initWasm = async (threads: number | undefined, kernels: ComputeOptions["wasmKernels"]): Promise<BackendInfo> => {
  const wasm = await import("@tensorflow/tfjs-backend-wasm")
  // The .wasm binaries sit next to the package's main file.
  wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep)
  if (threads !== undefined) wasm.setThreadsCount(threads)
  kernels.install()
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') returned false")
  smokeTest()
  return { name: "wasm", version: wasm.version_wasm, threads: wasm.getThreadsCount(), kernels: kernels.name }
}

const initCpu = async (): Promise<BackendInfo> => {
  const cpu = await import("@tensorflow/tfjs-backend-cpu")
  if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') returned false")
  smokeTest()
  return { name: "cpu", version: cpu.version_cpu, threads: 1, kernels: "stock" }
}

const unavailable = (preference: BackendPreference, cause: unknown): BackendUnavailable =>
  new BackendUnavailable({
    message: `backend "${preference}" could not be initialised: ${cause instanceof Error ? cause.message : String(cause)}`,
    hint: preference === "tensorflow"
      ? "tfjs-node needs its native libtensorflow binary (not installable here); use --backend auto or wasm"
      : "check that @tensorflow/tfjs-backend-wasm and its .wasm files are installed (pnpm install)"
  })

/** Picks and initializes the backend: tfjs-node ("tensorflow") when it imports AND works, else wasm with the caller's kernels; cpu only if asked. */
export const openBackend = async (preference: BackendPreference, options: ComputeOptions): Promise<BackendInfo> => {
  await options.prepare?.()
  if (preference === "tensorflow" || preference === "auto") {
    const info = await tryTensorflow()
    if (info !== undefined) return info
    if (preference === "tensorflow") throw unavailable(preference, "@tensorflow/tfjs-node did not import or run")
  }
  try {
    return preference === "cpu" ? await initCpu() : await initWasm(options.threads, options.wasmKernels)
  } catch (cause) {
    throw cause instanceof BackendUnavailable ? cause : unavailable(preference, cause)
  }
}

/** openBackend as an Effect. */
export const openBackendEffect = (preference: BackendPreference, options: ComputeOptions): Effect.Effect<BackendInfo, BackendUnavailable> =>
  Effect.tryPromise({
    try: () => openBackend(preference, options),
    catch: (cause) => (cause instanceof BackendUnavailable ? cause : unavailable(preference, cause))
  })

/** Provenance facts for a stage: `ctx.recordProvenance(backendProvenance(info))`. */
export const backendProvenance = (info: BackendInfo): Record<string, unknown> => ({
  backend: info.name,
  backendVersion: info.version,
  threads: info.threads,
  kernels: info.kernels
})
