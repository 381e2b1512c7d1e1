import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { describe, expect, it } from "vitest"
import { makePrioritySlots } from "../../pipeline/slots.ts"

/** Starts `priorities.length` waiters behind one held slot, releases it, and returns the order they ran in. */
const orderAfterRelease = (priorities: ReadonlyArray<number>, interrupt: ReadonlyArray<number> = []) =>
  Effect.runPromise(Effect.gen(function* () {
    const slots = yield* makePrioritySlots(1)
    const hold = yield* Deferred.make<void>()
    const holder = yield* Effect.fork(slots.withSlot(0)(Deferred.await(hold)))
    yield* Effect.yieldNow()
    const order: Array<number> = []
    const fibers = []
    for (const [i, p] of priorities.entries()) {
      fibers.push(yield* Effect.fork(slots.withSlot(p)(Effect.sync(() => void order.push(i)))))
      yield* Effect.yieldNow()
    }
    for (const i of interrupt) yield* Fiber.interrupt(fibers[i])
    yield* Deferred.succeed(hold, undefined)
    yield* Fiber.join(holder)
    for (const [i, f] of fibers.entries()) if (!interrupt.includes(i)) yield* Fiber.join(f)
    return order
  }))

describe("priority slots", () => {
  it("give a freed slot to the highest priority waiting, first come among equals", async () => {
    expect(await orderAfterRelease([1, 5, 3, 5, 0])).toEqual([1, 3, 2, 0, 4])
  })

  it("let requests made at the same moment compete by priority, even for a free slot", async () => {
    const order = await Effect.runPromise(Effect.gen(function* () {
      const slots = yield* makePrioritySlots(1)
      const ran: Array<number> = []
      yield* Effect.forEach([1, 5, 3], (p, i) => slots.withSlot(p)(Effect.sync(() => void ran.push(i))), { concurrency: "unbounded", discard: true })
      return ran
    }))
    expect(order).toEqual([1, 2, 0])
  })

  it("drop an interrupted waiter without losing the slot", async () => {
    expect(await orderAfterRelease([1, 9, 3], [1])).toEqual([2, 0])
  })

  it("give the slot back when its holder fails, and run up to `count` at once", async () => {
    const result = await Effect.runPromise(Effect.gen(function* () {
      const slots = yield* makePrioritySlots(2)
      let running = 0
      let peak = 0
      const job = (fail: boolean) => slots.withSlot(0)(Effect.gen(function* () {
        peak = Math.max(peak, ++running)
        yield* Effect.sleep("5 millis")
        running--
        if (fail) return yield* Effect.fail("boom")
      }))
      const outcomes = yield* Effect.all([job(true), job(false), job(true), job(false), job(false)].map(Effect.either), { concurrency: "unbounded" })
      return { peak, failures: outcomes.filter((o) => o._tag === "Left").length }
    }))
    expect(result).toEqual({ peak: 2, failures: 2 })
  })
})
