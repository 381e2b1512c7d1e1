/** Messages between the runner and a heavy stage's worker process (over Node IPC). */
import type { InputArtifact } from "./stage.ts"

/**
 * Set in a worker's environment. "1" (started on worker-entry.ts through the loader): `runCli` does
 * nothing there, so a definition module may also be the entry point. WORKER_FROM_ENTRY (started on the
 * runner's bundle, whose entry calls `runCli`): `runCli` serves stages of its definition instead.
 */
export const WORKER_ENV = "PIPELINE_WORKER"
export const WORKER_FROM_ENTRY = "entry"

/** A worker exits with this code, reporting nothing, when its runner has died during a stage. */
export const ORPHANED_EXIT_CODE = 75

export interface StartMessage {
  readonly type: "start"
  readonly definitionModule: string
  readonly definitionName: string
  /** The merged, undecoded config; the worker decodes it with the definition's schema. */
  readonly config: unknown
  readonly stage: string
  readonly inputs: Readonly<Record<string, InputArtifact>>
  readonly outputDir: string
  readonly scratchDir: string
  readonly checkpointDir: string
}

export type WorkerMessage =
  | { readonly type: "progress"; readonly done: number; readonly total: number; readonly note?: string }
  | { readonly type: "log"; readonly message: string }
  | { readonly type: "provenance"; readonly facts: Record<string, unknown> }
  /** The stage committed nothing yet; `residentBytes`: the worker's memory now (the pool retires large workers). */
  | { readonly type: "done"; readonly residentBytes: number }
  | { readonly type: "failed"; readonly error: { readonly _tag: string; readonly message: string; readonly hint?: string } }
