/** The coordinator's watch over queue workers, with a counted fake queue: it says so, gives up, or lets the wait finish. */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { NoQueueWorkers } from "../../pipeline/queue/queue-errors.ts"
import { watchWorkers } from "../../pipeline/queue/worker-watch.ts"

const giveUp = new NoQueueWorkers({ message: "nobody came", hint: "start a worker" })

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : `succeeded with ${String(exit.value)}`

/** A watch over `counts` (one per poll, the last repeated), with what it said. */
const watch = (counts: ReadonlyArray<number>, timeoutMs: number) => {
  const said: Array<string> = []
  let polls = 0
  const make = watchWorkers({
    countWorkers: async () => counts[Math.min(polls++, counts.length - 1)],
    timeoutMs, noticeAfterMs: 40, pollMs: 10, say: (line) => said.push(line),
    absentLine: "no worker", backLine: "worker back", giveUp
  })
  return { make, said, polls: () => polls }
}

describe("watchWorkers", () => {
  it("with no worker: says so once, then fails every waiting job with the typed error, and later ones at once", async () => {
    const w = watch([0], 150)
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const watched = yield* w.make
      const waits = yield* Effect.all([watched.guard(Effect.never), watched.guard(Effect.never)], { concurrency: "unbounded" }).pipe(Effect.exit)
      const later = yield* watched.guard(Effect.succeed("never queued")).pipe(Effect.exit)
      return { waits, later, gaveUp: yield* watched.gaveUp }
    })))
    expect(failureOf(result.waits)).toBe(giveUp)
    expect(failureOf(result.later)).toBe(giveUp)
    expect(result.gaveUp).toEqual(Option.some(giveUp))
    expect(w.said).toEqual(["no worker"])
  })

  it("a worker that comes before the timeout: says it is back, and the wait ends with its own result", async () => {
    const w = watch([0, 0, 0, 0, 0, 0, 1], 2_000)
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const watched = yield* w.make
      const value = yield* watched.guard(Effect.sleep("300 millis").pipe(Effect.as("done")))
      return { value, gaveUp: yield* watched.gaveUp }
    })))
    expect(result).toEqual({ value: "done", gaveUp: Option.none() })
    expect(w.said).toEqual(["no worker", "worker back"])
  })

  it("timeout 0 waits for workers forever; nothing is polled while no job waits", async () => {
    const w = watch([0], 0)
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const watched = yield* w.make
      yield* Effect.sleep("100 millis")
      const idlePolls = w.polls()
      const value = yield* watched.guard(Effect.sleep("200 millis").pipe(Effect.as("done")))
      return { idlePolls, value, gaveUp: yield* watched.gaveUp }
    })))
    expect(result).toEqual({ idlePolls: 0, value: "done", gaveUp: Option.none() })
    expect(w.said).toEqual(["no worker"])
  })
})
