/**
 * What travels through the queue: a job per stage fingerprint (its BullMQ job id, so a stage is never
 * queued twice), and the progress / log messages a worker sends back to the coordinator.
 */
import type { FingerprintComponents } from "../fingerprint.ts"
import type { InputRecord } from "../records.ts"

export interface StageJobData {
  readonly definitionName: string
  /** The coordinator's merged, undecoded config; the worker decodes it with its own copy of the definition. */
  readonly config: unknown
  readonly stage: string
  readonly fingerprint: string
  /** The coordinator's fingerprint components: a worker whose own differ says which field (code, package) differs. */
  readonly components: FingerprintComponents
  readonly inputs: Readonly<Record<string, InputRecord>>
  readonly runId: string
}

export type JobProgress =
  | { readonly kind: "progress"; readonly done: number; readonly total: number; readonly note?: string }
  | { readonly kind: "log"; readonly message: string }

/** The default queue of a pipeline: one per definition name (BullMQ queue names avoid ":"). */
export const defaultQueueName = (definitionName: string): string => `pipeline-${definitionName.replace(/[^A-Za-z0-9._-]/gu, "_")}`

/** A worker's failure message carries the hint on its own line; the coordinator splits it back. */
export const HINT_SEPARATOR = "\nhint: "
