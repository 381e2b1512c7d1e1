/**
 * `pipeline worker`: a BullMQ worker that takes stage jobs and runs them with `takeJob`, sending
 * progress and logs back through the job (the coordinator relays them). A stage's own failure is
 * final (UnrecoverableError); a passing one (bucket or store unreachable) is retried by BullMQ; a
 * worker that dies mid-stage loses its lock and the job goes to another worker.
 */
import { UnrecoverableError, Worker, type Job } from "bullmq"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { StatCache } from "../stat-cache.ts"
import type { WorkerPool } from "../worker-process.ts"
import type { Store } from "../store.ts"
import * as os from "node:os"
import type { StageHooks } from "../stage-context.ts"
import { redisConnection } from "./redis-connection.ts"
import type { QueueError } from "./queue-errors.ts"
import { HINT_SEPARATOR, type JobProgress, type StageJobData } from "./stage-job.ts"
import { takeJob, type WorkerContext } from "./take-job.ts"

export interface QueueWorkerOptions {
  readonly redisUrl: string
  readonly queueName: string
  /** Jobs at once (each stage runs in its own process). */
  readonly concurrency: number
  /** BullMQ's lock: a worker silent for this long is presumed dead and its job handed to another. */
  readonly lockDurationMs: number
  /** One line per event (job taken, done, failed). */
  readonly say: (line: string) => void
}

const PROGRESS_EVERY_MS = 500

/** Progress is throttled (each update is a Redis round trip); logs are all sent. */
const jobHooks = (job: Job<StageJobData>): StageHooks => {
  let last = 0
  const send = (p: JobProgress) => void job.updateProgress(p as unknown as object).catch(() => undefined)
  return {
    progress: (done, total, note) => {
      const now = Date.now()
      if (done < total && now - last < PROGRESS_EVERY_MS) return
      last = now
      send({ kind: "progress", done, total, ...(note ? { note } : {}) })
    },
    log: (message) => send({ kind: "log", message }),
    provenance: () => undefined
  }
}

/** Starts taking jobs; the worker stops (finishing its current jobs) when the scope closes. */
export const startQueueWorker = (ctx: WorkerContext, options: QueueWorkerOptions): Effect.Effect<Worker, QueueError, Scope.Scope | Store | StatCache | WorkerPool> =>
  Effect.gen(function* () {
    // each job runs on its own (BullMQ calls the processor), in the store and stat cache this worker was started with
    const services = yield* Effect.context<Store | StatCache | WorkerPool>()
    const cache = Context.get(services, StatCache)
    const connection = yield* redisConnection(options.redisUrl)
    const who = `${os.hostname()}:${process.pid}`
    const processor = async (job: Job<StageJobData>) => {
      const hooks = jobHooks(job)
      options.say(`[${job.data.stage}] taken (job ${job.id?.slice(0, 12)}, attempt ${job.attemptsMade + 1})`)
      hooks.log(`taken by worker ${who}`)
      const exit = await Effect.runPromiseExit(takeJob(ctx, job.data, hooks).pipe(Effect.ensuring(cache.save.pipe(Effect.ignore)), Effect.provide(services)))
      if (Exit.isSuccess(exit)) {
        options.say(`[${job.data.stage}] ${exit.value.how}`)
        if (exit.value.how !== "computed") hooks.log(`worker ${who}: ${exit.value.how}`)
        return { fingerprint: exit.value.entry.fingerprint, how: exit.value.how }
      }
      const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
      if (!failure) throw new Error(`worker ${who} crashed on "${job.data.stage}": ${Cause.pretty(exit.cause)}`)
      const text = `${failure.message}${failure.hint ? `${HINT_SEPARATOR}${failure.hint}` : ""}`
      options.say(`[${job.data.stage}] failed: ${failure.message}`)
      // a stage's own failure or a refused job would fail the same way elsewhere; store and bucket trouble may pass
      throw failure._tag === "StageFailed" || failure._tag === "ConfigError" ? new UnrecoverableError(text) : new Error(text)
    }
    const worker = yield* Effect.acquireRelease(
      Effect.sync(() => new Worker<StageJobData>(options.queueName, processor, {
        connection,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.lockDurationMs,
        // a job may outlive two dead workers before it counts as failed
        maxStalledCount: 2
      })),
      (w) => Effect.promise(() => w.close())
    )
    worker.on("error", (e) => options.say(`worker error: ${e.message}`))
    yield* Effect.promise(() => worker.waitUntilReady())
    return worker
  })
