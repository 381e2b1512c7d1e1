/**
 * The compute backend, whatever runs on it: picks and initialises a TensorFlow.js backend. Training
 * (ml/backend.ts) and the linear probe (ml/probe-backend.ts) each bring their own wasm kernels, so
 * neither's code key holds the other's kernels.
 *   "tensorflow": @tensorflow/tfjs-node (libtensorflow), only when it imports AND runs an op;
 *   "native": wasm with the convolutions on Debian's oneDNN (ml/onednn/, package libdnnl2);
 *   "wasm": XNNPACK + the project's gradient kernels (ml/kernels/), the fallback;
 *   "cpu": tfjs's pure-JS backend, only when asked (hundreds of times slower for convolutions).
 * Whichever is chosen, tfjs-core's gradient functions are registered, so tf.variableGrads and
 * optimizer.minimize work without the `@tensorflow/tfjs` umbrella.
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
import * as os from "node:os"
import * as path from "node:path"
import { loadOneDnn, ONEDNN_INSTALL_HINT, OneDnnUnavailable } from "./onednn/library.ts"

export type BackendPreference = "auto" | "tensorflow" | "native" | "wasm" | "cpu"
export const BackendPreferenceSchema = Schema.Literal("auto", "tensorflow", "native", "wasm", "cpu")
/** A backend that can actually run (what "auto" resolves to). */
export type BackendName = Exclude<BackendPreference, "auto">

/** What ran the computation; goes into every stage's provenance. */
export interface BackendInfo {
  readonly name: string
  readonly version: string
  readonly threads: number
  /** The gradient kernel set in use, e.g. "seed-wasm-grad v2", or "stock". */
  readonly kernels: string
  /** native only: oneDNN's version and the instruction set its kernels use here. */
  readonly onednn?: string
  readonly isa?: string
}

/** The requested backend cannot be initialised here. */
export class BackendUnavailable extends Data.TaggedError("BackendUnavailable")<{
  readonly message: string
  readonly hint?: string
}> {}

/** The project's kernels a caller runs on wasm: installed before the backend starts, named in provenance. */
export interface WasmKernels {
  /** Installs the caller's set (`native`: with the oneDNN kernels) and returns its provenance name. */
  readonly install: (native: boolean) => string
  /** Runs before any backend is tried (training registers tfjs-core's gradient functions). */
  readonly prepare?: () => Promise<void>
  /** false when the caller asked for a wasm set by name (the benchmark's stock baseline): "auto" then never picks native. */
  readonly autoMayPickNative: boolean
}

export interface ComputeOptions {
  /** native: oneDNN's OpenMP threads (default: every core). wasm: XNNPACK threads, but wasm in Node is single-threaded whatever is asked (see ml/kernels/README.md). */
  readonly threads?: number
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

const initWasm = async (threads: number | undefined, install: () => string): Promise<BackendInfo> => {
  const wasm = await import("@tensorflow/tfjs-backend-wasm")
  // The .wasm binaries sit next to the package's main file.
  wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep)
  if (threads !== undefined) wasm.setThreadsCount(threads)
  const kernels = install()
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') returned false")
  smokeTest()
  return { name: "wasm", version: wasm.version_wasm, threads: wasm.getThreadsCount(), kernels }
}

/** wasm with oneDNN convolutions; the thread count is set before any primitive is created. */
const initNative = async (threads: number | undefined, kernels: WasmKernels): Promise<BackendInfo> => {
  const dnnl = loadOneDnn()
  dnnl.setThreads(threads ?? os.availableParallelism())
  const wasm = await initWasm(undefined, () => kernels.install(true))
  return { name: "native", version: wasm.version, threads: dnnl.maxThreads(), kernels: wasm.kernels, onednn: dnnl.version, isa: dnnl.isa }
}

/** Whether oneDNN loads here (it is loaded once per process either way). */
const oneDnnLoads = (): boolean => {
  try {
    loadOneDnn()
    return true
  } catch {
    return false
  }
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
      : cause instanceof OneDnnUnavailable
      ? cause.hint
      : preference === "native"
      ? ONEDNN_INSTALL_HINT
      : "check that @tensorflow/tfjs-backend-wasm and its .wasm files are installed (pnpm install)"
  })

/**
 * Picks and initializes the backend. "auto": tfjs-node ("tensorflow") when it imports AND works, else
 * native when oneDNN loads, else wasm with the caller's kernels; cpu only if asked.
 */
export const openBackend = async (
  preference: BackendPreference,
  options: ComputeOptions,
  kernels: WasmKernels
): Promise<BackendInfo> => {
  await kernels.prepare?.()
  if (preference === "tensorflow" || preference === "auto") {
    const info = await tryTensorflow()
    if (info !== undefined) return info
    if (preference === "tensorflow") throw unavailable(preference, "@tensorflow/tfjs-node did not import or run")
  }
  try {
    if (preference === "native" || (preference === "auto" && kernels.autoMayPickNative && oneDnnLoads())) return await initNative(options.threads, kernels)
    return preference === "cpu" ? await initCpu() : await initWasm(options.threads, () => kernels.install(false))
  } catch (cause) {
    throw cause instanceof BackendUnavailable ? cause : unavailable(preference, cause)
  }
}

/** openBackend as an Effect. */
export const openBackendEffect = (
  preference: BackendPreference,
  options: ComputeOptions,
  kernels: WasmKernels
): Effect.Effect<BackendInfo, BackendUnavailable> =>
  Effect.tryPromise({
    try: () => openBackend(preference, options, kernels),
    catch: (cause) => (cause instanceof BackendUnavailable ? cause : unavailable(preference, cause))
  })

/** Provenance facts for a stage: `ctx.recordProvenance(backendProvenance(info))`. */
export const backendProvenance = (info: BackendInfo): Record<string, unknown> => ({
  backend: info.name,
  backendVersion: info.version,
  threads: info.threads,
  kernels: info.kernels,
  ...(info.onednn !== undefined ? { onednn: info.onednn, isa: info.isa } : {})
})
