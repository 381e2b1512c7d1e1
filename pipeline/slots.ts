/**
 * A fixed number of execution slots handed out by priority: when stages wait for a slot, the one
 * with the highest priority gets the next free one (equal priorities: first come, first served).
 * A request, and a release, yield once before slots are handed out, so that stages that became
 * ready at the same moment all compete. Waiting is interruptible; a slot is always given back, also when its holder
 * fails or is interrupted.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

export interface PrioritySlots {
  readonly withSlot: (priority: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

interface Waiter {
  readonly priority: number
  readonly arrival: number
  readonly gate: Deferred.Deferred<void>
}

const better = (a: Waiter, b: Waiter) => (b.priority > a.priority || (b.priority === a.priority && b.arrival < a.arrival) ? b : a)

export const makePrioritySlots = (count: number): Effect.Effect<PrioritySlots> =>
  Effect.sync(() => {
    let free = Math.max(1, count)
    let arrivals = 0
    const waiting: Array<Waiter> = []

    /** Hands free slots to the best waiters. */
    const dispatch = Effect.suspend(() => {
      const granted: Array<Waiter> = []
      while (free > 0 && waiting.length > 0) {
        const best = waiting.reduce(better)
        waiting.splice(waiting.indexOf(best), 1)
        free--
        granted.push(best)
      }
      return Effect.forEach(granted, (w) => Deferred.succeed(w.gate, undefined), { discard: true })
    })

    // yields first, so that stages woken by the holder's result can queue up before the slot is handed out
    const give = Effect.yieldNow().pipe(Effect.zipRight(Effect.suspend(() => {
      free++
      return dispatch
    })))

    const take = (priority: number) =>
      Effect.gen(function* () {
        const waiter: Waiter = { priority, arrival: arrivals++, gate: yield* Deferred.make<void>() }
        waiting.push(waiter)
        yield* Effect.yieldNow().pipe(
          Effect.zipRight(dispatch),
          Effect.zipRight(Deferred.await(waiter.gate)),
          Effect.onInterrupt(() =>
            Effect.suspend(() => {
              const at = waiting.indexOf(waiter)
              if (at >= 0) {
                waiting.splice(at, 1)
                return Effect.void
              }
              return give // it was handed a slot it will not use: pass it on
            }))
        )
      })

    return {
      withSlot: (priority) => (effect) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.zipRight(restore(take(priority)), restore(effect).pipe(Effect.ensuring(give))))
    }
  })
