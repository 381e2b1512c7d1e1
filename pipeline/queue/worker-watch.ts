/**
 * The coordinator's watch over the queue's workers. BullMQ names every worker's Redis connection after
 * its queue, so `Queue.getWorkersCount()` (CLIENT LIST) says whether anyone can take the jobs. While jobs
 * wait and no worker is registered, the coordinator says so (and how to start one), and once the worker
 * timeout has passed it gives up instead of waiting forever.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { NoQueueWorkers } from "./queue-errors.ts"

export interface WorkerWatchOptions {
  /** Workers registered on the queue now (BullMQ's getWorkersCount). */
  readonly countWorkers: () => Promise<number>
  /** Give up after this long with jobs waiting and no worker; 0: never. */
  readonly timeoutMs: number
  /** Say so after this long without a worker (a worker that is just connecting is not worth a line). */
  readonly noticeAfterMs: number
  readonly pollMs: number
  readonly say: (line: string) => void
  /** The lines said when workers are missing and when they come back. */
  readonly absentLine: string
  readonly backLine: string
  /** The error every waiting job fails with once the watch gives up. */
  readonly giveUp: NoQueueWorkers
}

export interface WorkerWatch {
  /** Runs a job's wait for its result, counted as a waiting job; fails with NoQueueWorkers once the watch gives up. */
  readonly guard: <A, E>(wait: Effect.Effect<A, E>) => Effect.Effect<A, E | NoQueueWorkers>
  /** The error the watch gave up with, if it did. */
  readonly gaveUp: Effect.Effect<Option.Option<NoQueueWorkers>>
}

/** Starts polling (only while jobs wait); the poller stops with the scope. */
export const watchWorkers = (options: WorkerWatchOptions): Effect.Effect<WorkerWatch, never, Scope.Scope> =>
  Effect.gen(function* () {
    const gaveUp = yield* Deferred.make<NoQueueWorkers>()
    let waiting = 0
    let absentSince: number | undefined
    let noticed = false

    const tick = Effect.gen(function* () {
      if (waiting === 0) return void (absentSince = undefined)
      // a Redis hiccup (or a server without CLIENT LIST) is no evidence either way: judge at the next poll
      const count = yield* Effect.promise(() => options.countWorkers().catch(() => undefined))
      if (count === undefined) return
      if (count > 0) {
        if (noticed) options.say(options.backLine)
        absentSince = undefined
        noticed = false
        return
      }
      const now = Date.now()
      absentSince ??= now
      if (!noticed && now - absentSince >= options.noticeAfterMs) {
        options.say(options.absentLine)
        noticed = true
      }
      if (options.timeoutMs > 0 && now - absentSince >= options.timeoutMs) yield* Deferred.succeed(gaveUp, options.giveUp)
    })
    yield* Effect.forkScoped(Effect.repeat(tick, Schedule.spaced(options.pollMs)))

    const abandoned = Effect.flatMap(Deferred.await(gaveUp), Effect.fail)
    const guard = <A, E>(wait: Effect.Effect<A, E>): Effect.Effect<A, E | NoQueueWorkers> =>
      Effect.flatMap(Deferred.poll(gaveUp), Option.match({
        // once given up, a stage that becomes ready fails at once instead of queueing for nobody
        onSome: (done) => Effect.flatMap(done, Effect.fail),
        onNone: () =>
          Effect.acquireUseRelease(
            Effect.sync(() => void waiting++),
            () => Effect.raceFirst(wait, abandoned),
            () => Effect.sync(() => void waiting--)
          )
      }))
    const given = Effect.flatMap(Deferred.poll(gaveUp), Option.match({ onNone: () => Effect.succeedNone, onSome: Effect.asSome }))
    return { guard, gaveUp: given }
  })
