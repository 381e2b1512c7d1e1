import { describe, expect, it } from "@effect/vitest"
import { allocate, checkRatios, dropCrossSplitDuplicates, droppedRoute, planSplit, routeRows } from "../../data/stratified-split.ts"

describe("stratified split plan", () => {
  it("allocates by rounding train and test, val taking the rest", () => {
    expect(allocate(7000, { train: 0.8, val: 0.1, test: 0.1 })).toEqual([5600, 700, 700])
    expect(allocate(7, { train: 0.8, val: 0.1, test: 0.1 })).toEqual([6, 0, 1])
    expect(allocate(3, { train: 1 / 3, val: 1 / 3, test: 1 / 3 })).toEqual([1, 1, 1])
    expect(allocate(1, { train: 0.5, val: 0, test: 0.5 })).toEqual([1, 0, 0])
    for (let n = 0; n < 50; n++) {
      const counts = allocate(n, { train: 0.7, val: 0.2, test: 0.1 })
      expect(counts.reduce((a, b) => a + b)).toBe(n)
      counts.forEach((c, i) => expect(Math.abs(c - n * [0.7, 0.2, 0.1][i])).toBeLessThanOrEqual(1))
    }
  })

  it("keeps every class's proportions and is a function of (counts, ratios, seed)", () => {
    const counts = [1000, 500, 10]
    const plan = planSplit(counts, { train: 0.8, val: 0.1, test: 0.1 }, 7)
    expect(plan.counts).toEqual([[800, 400, 8], [100, 50, 1], [100, 50, 1]])
    const again = planSplit(counts, { train: 0.8, val: 0.1, test: 0.1 }, 7)
    expect(again.assignment.map((a) => Array.from(a))).toEqual(plan.assignment.map((a) => Array.from(a)))
    const other = planSplit(counts, { train: 0.8, val: 0.1, test: 0.1 }, 8)
    expect(Array.from(other.assignment[0])).not.toEqual(Array.from(plan.assignment[0]))
  })

  it("leaves train rows alone when only val and test trade share", () => {
    const a = planSplit([1000], { train: 0.8, val: 0.1, test: 0.1 }, 1).assignment[0]
    const b = planSplit([1000], { train: 0.8, val: 0.05, test: 0.15 }, 1).assignment[0]
    expect(Array.from(a).map((s) => s === 0)).toEqual(Array.from(b).map((s) => s === 0))
    const c = planSplit([1000], { train: 0.7, val: 0.2, test: 0.1 }, 1).assignment[0]
    expect(Array.from(a).map((s) => s === 2)).toEqual(Array.from(c).map((s) => s === 2))
  })

  it("rejects negative ratios and ratios not summing to 1", () => {
    expect(checkRatios({ train: 0.7, val: 0.2, test: 0.1 })).toBeUndefined()
    expect(checkRatios({ train: 0.9, val: -0.1, test: 0.2 })?.message).toMatch(/>= 0: val = -0.1/)
    expect(checkRatios({ train: 0.8, val: 0.1, test: 0.2 })?.message).toMatch(/sum to 1: .* = 1.1/)
  })
})

describe("row routes", () => {
  const labels = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 3)

  it("random mode routes each row as the stratified plan assigns it, by rank within its class", () => {
    const ratios = { train: 0.7, val: 0.2, test: 0.1 }
    const route = routeRows(labels, 3, ratios, 4)
    const plan = planSplit([100, 100, 100], ratios, 4)
    const rank = [0, 0, 0]
    expect(Array.from(route)).toEqual(Array.from(labels, (c) => plan.assignment[c][rank[c]++]))
  })

  it("official mode sends every row from the official test set on to test and takes val from the rest, per class", () => {
    const route = routeRows(labels, 3, { train: 0.8, val: 0.1, test: 0.1 }, 4, { testFrom: 210 })
    expect(Array.from(route.subarray(210)).every((s) => s === 2)).toBe(true)
    const head = Array.from(route.subarray(0, 210))
    expect(head.includes(2)).toBe(false)
    for (let c = 0; c < 3; c++) expect(head.filter((s, r) => s === 1 && labels[r] === c).length).toBe(7)
  })

  it("drops exactly the train rows whose content equals a val or test row's", () => {
    const route = Uint8Array.of(0, 0, 1, 2, 0, 0)
    const dropped = dropCrossSplitDuplicates(route, ["a", "b", "a", "c", "c", "d"])
    expect(dropped).toBe(2)
    expect(Array.from(route)).toEqual([droppedRoute, 0, 1, 2, droppedRoute, 0])
  })
})
