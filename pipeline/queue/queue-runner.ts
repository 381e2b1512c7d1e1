/**
 * The coordinator's side of `run --executor queue`: instead of computing a stage, it enqueues it as a
 * BullMQ job whose id is the stage's fingerprint (a second `add` of the same id is the same job, so a
 * stage is never queued twice, even by two coordinators), relays the worker's progress and logs, and
 * when the job completes pulls the stage from the remote cache: the coordinator trusts the signed
 * entry and re-hashed objects, not the worker's word.
 */
import { Queue, QueueEvents } from "bullmq"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { StageFailed } from "../errors.ts"
import type { StageRunner } from "../executor.ts"
import type { RemoteCache } from "../remote/remote-cache.ts"
import { pullStage } from "../remote/remote-sync.ts"
import { StatCache } from "../stat-cache.ts"
import { Store } from "../store.ts"
import { redactRedisUrl, redisConnection } from "./redis-connection.ts"
import { NoQueueWorkers, type QueueError } from "./queue-errors.ts"
import { HINT_SEPARATOR, type JobProgress, type StageJobData } from "./stage-job.ts"
import { shortHash } from "../format.ts"
import { watchWorkers, type WorkerWatch } from "./worker-watch.ts"

export interface QueueRunnerOptions {
  readonly redisUrl: string
  readonly queueName: string
  readonly remote: RemoteCache
  /** Give up after this long with jobs queued and no worker on the queue; 0: wait forever. */
  readonly workerTimeoutMs: number
  /** The command line that starts a worker for this queue (said when none is there). */
  readonly workerCommand: string
  /** Run-level lines (no worker on the queue, workers back). */
  readonly say: (line: string) => void
}

/** The queue's StageRunner, and whether it gave up for lack of workers (the run's error, then). */
export interface QueueStageRunner extends StageRunner {
  readonly gaveUp: WorkerWatch["gaveUp"]
}

/** How often the coordinator looks for workers while jobs wait (one CLIENT LIST), and when it first says none is there. */
const WORKER_POLL_MS = 1000
const NOTICE_AFTER_MS = 3000

/** Attempts per job: a worker that fails for a passing reason (network) is retried; a stage's own failure is not. */
const ATTEMPTS = 3

const stageFailed = (stage: string, cause_tag: string, text: string, hint?: string) => {
  const [message, fromWorker] = text.split(HINT_SEPARATOR)
  return new StageFailed({ stage, message, cause_tag, ...(fromWorker ?? hint ? { hint: fromWorker ?? hint } : {}) })
}

const noWorkerLines = (options: QueueRunnerOptions) => {
  const where = `queue "${options.queueName}" at ${redactRedisUrl(options.redisUrl)}`
  const seconds = options.workerTimeoutMs / 1000
  return {
    absentLine: `no worker is taking jobs from ${where}; start one on any machine with this commit: ${options.workerCommand}` +
      (seconds > 0 ? ` (this run gives up after ${seconds} s without one: --worker-timeout)` : ""),
    backLine: `a worker is on ${where} again`,
    giveUp: new NoQueueWorkers({
      message: `no worker took jobs from ${where} for ${seconds} s (--worker-timeout ${seconds}); the stages waiting for one were not run`,
      hint: `start a worker (${options.workerCommand}) and run again: completed stages stay cached, and the queued jobs stay in ` +
        "the queue, so a worker started meanwhile computes them into the remote cache; --worker-timeout 0 waits for workers forever"
    })
  }
}

/** A StageRunner that farms stages out to `pipeline worker`s; the queue's connections close with the scope. */
export const makeQueueRunner = (options: QueueRunnerOptions): Effect.Effect<QueueStageRunner, QueueError, Scope.Scope> =>
  Effect.gen(function* () {
    const connection = yield* redisConnection(options.redisUrl)
    const eventsConnection = yield* redisConnection(options.redisUrl)
    const queue = yield* Effect.acquireRelease(Effect.sync(() => new Queue<StageJobData>(options.queueName, { connection })), (q) => Effect.promise(() => q.close()))
    const events = yield* Effect.acquireRelease(
      Effect.sync(() => new QueueEvents(options.queueName, { connection: eventsConnection })),
      (e) => Effect.promise(() => e.close())
    )
    yield* Effect.promise(() => events.waitUntilReady())
    const watch = yield* watchWorkers({
      countWorkers: () => queue.getWorkersCount(), timeoutMs: options.workerTimeoutMs, noticeAfterMs: Math.min(NOTICE_AFTER_MS, options.workerTimeoutMs || NOTICE_AFTER_MS),
      pollMs: WORKER_POLL_MS, say: options.say, ...noWorkerLines(options)
    })

    const enqueueAndWait = (data: StageJobData, onProgress: (p: JobProgress) => void) =>
      Effect.tryPromise({
        try: async () => {
          // a finished job under this id is from an earlier run whose result the remote cache no longer serves: replace it
          const previous = await queue.getJob(data.fingerprint)
          if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) await previous.remove()
          const relay = ({ jobId, data: progress }: { jobId: string; data: unknown }) => {
            if (jobId === data.fingerprint && typeof progress === "object" && progress !== null) onProgress(progress as JobProgress)
          }
          events.on("progress", relay)
          try {
            const job = await queue.add(data.stage, data, {
              jobId: data.fingerprint,
              attempts: ATTEMPTS,
              backoff: { type: "fixed", delay: 1000 },
              removeOnComplete: { age: 24 * 3600 },
              removeOnFail: { age: 24 * 3600 }
            })
            await job.waitUntilFinished(events)
          } finally {
            events.off("progress", relay)
          }
        },
        catch: (e) => stageFailed(data.stage, "RemoteWorkerFailed", e instanceof Error ? e.message : String(e))
      })

    const run: StageRunner["run"] = (job, hooks) =>
      Effect.gen(function* () {
        const data: StageJobData = {
          definitionName: job.worker.definitionName, config: job.worker.config, stage: job.stage.name,
          fingerprint: job.fingerprint, components: job.components, inputs: job.inputs, runId: job.runId
        }
        hooks.log(`queued as job ${shortHash(job.fingerprint)} on ${options.queueName}; waiting for a worker`)
        yield* watch.guard(enqueueAndWait(data, (p) => p.kind === "log" ? hooks.log(p.message) : hooks.progress(p.done, p.total, p.note))).pipe(
          Effect.catchTag("NoQueueWorkers", () => Effect.fail(stageFailed(job.stage.name, "NoQueueWorkers", "not run: no worker took jobs from the queue (--worker-timeout)")))
        )
        const pulled = yield* pullStage(options.remote, yield* Store, yield* StatCache, job.stage.name, job.fingerprint).pipe(
          Effect.catchTag("RemoteError", (e) => Effect.fail(stageFailed(job.stage.name, "RemoteError", e.message, e.hint)))
        )
        if (pulled._tag === "Pulled") return pulled.entry
        return yield* stageFailed(
          job.stage.name, "RemoteResultUnusable",
          `a worker completed stage "${job.stage.name}", but its result in ${options.remote.url} is ${pulled._tag === "Missing" ? "missing" : `unusable (${pulled.reason})`}`,
          `workers and coordinator must use the same --remote and the same ${"PIPELINE_REMOTE_KEY"}`
        )
      })
    return { run, publishes: true, gaveUp: watch.gaveUp }
  })
