/** Errors of the job queue (Redis unreachable, a job the worker cannot take, no worker at all). */
import * as Data from "effect/Data"

export class QueueError extends Data.TaggedError("QueueError")<{ message: string; hint?: string }> {}

/** The coordinator had jobs queued and no worker on the queue for its whole `--worker-timeout`. */
export class NoQueueWorkers extends Data.TaggedError("NoQueueWorkers")<{ message: string; hint?: string }> {}
