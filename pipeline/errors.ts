/** The runner's tagged errors; each carries `message` (what, where) and, where useful, `hint` (how to fix). */
import * as Data from "effect/Data"

/** The config file, a profile or a `--set` override is unreadable or does not match the schema. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ message: string; hint?: string }> {}

/** The stages do not form a valid DAG (unknown input, duplicate name, cycle) or a target is unknown. */
export class GraphError extends Data.TaggedError("GraphError")<{ message: string; hint?: string }> {}

/** A stage failed: its own error, a missing/invalid output, or an input that changed underneath it. */
export class StageFailed extends Data.TaggedError("StageFailed")<{
  stage: string
  message: string
  hint?: string
  cause_tag: string
}> {}

/** The store could not be read or written (permissions, disk full, a malformed record). */
export class StoreError extends Data.TaggedError("StoreError")<{ message: string; hint?: string }> {}

/** A CLI argument names something that does not exist (a run id, a stage without a record). */
export class UsageError extends Data.TaggedError("UsageError")<{ message: string; hint?: string }> {}

/** Another process is running stages in this store, so a store-wide operation (gc) must wait. */
export class StoreBusy extends Data.TaggedError("StoreBusy")<{ message: string; hint?: string }> {}

/** `audit` found mismatches; the report lists them. */
export class AuditFailed extends Data.TaggedError("AuditFailed")<{ message: string; hint?: string }> {}

/** One or more stages of a run failed; details were printed as they happened. */
export class RunFailed extends Data.TaggedError("RunFailed")<{ message: string; hint?: string }> {}

export type PipelineError = ConfigError | GraphError | StageFailed | StoreError | StoreBusy | UsageError | AuditFailed | RunFailed

/** Wraps an unknown thrown value as a StoreError naming `what`. */
export const storeError = (what: string) => (cause: unknown): StoreError =>
  new StoreError({ message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })
