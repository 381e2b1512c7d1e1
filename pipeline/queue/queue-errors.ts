/** Errors of the job queue (Redis unreachable, a job the worker cannot take). */
import * as Data from "effect/Data"

export class QueueError extends Data.TaggedError("QueueError")<{ message: string; hint?: string }> {}
