/**
 * Resolves `compute` (backend preference + threads) to what will actually run, cheaply and without
 * initialising tfjs: the pipeline calls it while planning, and the result goes into the cache key of
 * every stage whose numbers depend on it (results from oneDNN and wasm, or from 1 and 2 OpenMP
 * threads, differ in the last bits). A function of the config and the machine only.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import * as Schema from "effect/Schema"
import type { BackendName, BackendPreference } from "./backend.ts"
import { ONEDNN_PACKAGE, probeOneDnn } from "./onednn/library.ts"

/** The resolved compute facts a stage's results depend on (part of its params, hence of its fingerprint). */
export const ResolvedCompute = Schema.Struct({
  backend: Schema.Literal("tensorflow", "native", "wasm", "cpu"),
  threads: Schema.Int,
  /** native only */
  onednn: Schema.optional(Schema.String),
  isa: Schema.optional(Schema.String)
})
export type ResolvedCompute = typeof ResolvedCompute.Type

interface Resolution {
  readonly backend: BackendName
  readonly reason: string
  readonly onednn?: string
  readonly isa?: string
}

const require = createRequire(import.meta.url)

/** tfjs-node is installed with its native binding (whether it runs is only known once it is loaded). */
const tfjsNodeInstalled = (): boolean => {
  try {
    const root = path.dirname(require.resolve("@tensorflow/tfjs-node/package.json"))
    const lib = path.join(root, "lib")
    return fs.readdirSync(lib).some((dir) => fs.existsSync(path.join(lib, dir, "tfjs_binding.node")))
  } catch {
    return false
  }
}

const resolutions = new Map<BackendPreference, Resolution>()

const resolve = (preference: BackendPreference): Resolution => {
  if (preference === "wasm" || preference === "cpu") return { backend: preference, reason: "compute.backend asks for it" }
  if (preference === "tensorflow") return { backend: "tensorflow", reason: "compute.backend asks for it" }
  if (preference === "auto" && tfjsNodeInstalled()) return { backend: "tensorflow", reason: "auto: @tensorflow/tfjs-node is installed" }
  const onednn = probeOneDnn()
  if (onednn.available) {
    return { backend: "native", reason: `${preference === "auto" ? "auto" : "compute.backend asks for it"}: oneDNN ${onednn.version} loads`, onednn: onednn.version, isa: onednn.isa }
  }
  // native asked for but missing: resolve to native anyway, so the stage fails with the library's clear error
  if (preference === "native") return { backend: "native", reason: onednn.reason }
  return { backend: "wasm", reason: `auto: ${onednn.reason}; \`apt-get install ${ONEDNN_PACKAGE}\` for native kernels` }
}

/** The backend a preference resolves to on this machine (cached per process), announced once per process tree on stderr. */
export const resolveBackend = (preference: BackendPreference): Resolution => {
  let resolution = resolutions.get(preference)
  if (resolution === undefined) {
    resolution = resolve(preference)
    resolutions.set(preference, resolution)
    // children (the pipeline's worker processes) inherit the variable and stay quiet
    const announced = `SEED_COMPUTE_ANNOUNCED_${preference.toUpperCase()}`
    if (process.env[announced] === undefined) {
      process.env[announced] = "1"
      console.error(`seed: compute backend ${resolution.backend} (${resolution.reason})`)
    }
  }
  return resolution
}

/**
 * Threads per heavy stage: as asked, or "auto": every core shared evenly by the heavy stages that can
 * run at once, never more busy threads than cores (oversubscribed OpenMP measured 58 -> 126 ms per step).
 * wasm and cpu run on one thread whatever is asked.
 */
export const threadsFor = (backend: BackendName, asked: number | "auto" | undefined, heavyAtOnce: number): number => {
  if (backend === "wasm" || backend === "cpu") return 1
  if (typeof asked === "number") return asked
  return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, heavyAtOnce)))
}

/** The compute facts of a stage: backend resolved, thread count decided, oneDNN's version and ISA when native. */
export const resolveCompute = (
  compute: { readonly backend: BackendPreference; readonly threads?: number | "auto" },
  heavyAtOnce: number
): ResolvedCompute => {
  const r = resolveBackend(compute.backend)
  const threads = threadsFor(r.backend, compute.threads, heavyAtOnce)
  return r.onednn !== undefined ? { backend: r.backend, threads, onednn: r.onednn, isa: r.isa } : { backend: r.backend, threads }
}
