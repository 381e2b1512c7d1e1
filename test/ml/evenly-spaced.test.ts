import { describe, expect, it } from "vitest"
import { evenlySpacedRows } from "../../ml/evenly-spaced.ts"
import type { EmbeddingTable } from "../../ml/tables/embeddings.ts"

/** Row r holds [r, -r], label r % 3, id 100 + r. */
const table = (count: number): EmbeddingTable => ({
  values: Float32Array.from({ length: count * 2 }, (_, i) => (i % 2 === 0 ? 1 : -1) * Math.floor(i / 2)),
  labels: Uint8Array.from({ length: count }, (_, r) => r % 3),
  ids: Int32Array.from({ length: count }, (_, r) => 100 + r),
  count,
  dim: 2,
  method: "m",
  classNames: ["a", "b", "c"]
})

describe("evenlySpacedRows", () => {
  it("keeps rows floor(i * count / n) with their labels, ids and values, in order", () => {
    const subset = evenlySpacedRows(table(10), 4)
    expect(subset.count).toBe(4)
    expect([...subset.ids]).toEqual([100, 102, 105, 107])
    expect([...subset.labels]).toEqual([0, 2, 2, 1])
    expect([...subset.values]).toEqual([0, -0, 2, -2, 5, -5, 7, -7])
    expect(subset.classNames).toEqual(["a", "b", "c"])
  })

  it("keeps each class's share of a class-interleaved split", () => {
    const subset = evenlySpacedRows(table(3000), 300)
    const counts = [0, 1, 2].map((c) => subset.labels.filter((l) => l === c).length)
    expect(counts).toEqual([100, 100, 100])
  })

  it("returns the table itself when it has no more rows than asked", () => {
    const whole = table(5)
    expect(evenlySpacedRows(whole, 5)).toBe(whole)
    expect(evenlySpacedRows(whole, 50)).toBe(whole)
  })

  it("refuses a count that is not a positive integer", () => {
    expect(() => evenlySpacedRows(table(5), 0)).toThrow(RangeError)
    expect(() => evenlySpacedRows(table(5), 2.5)).toThrow(RangeError)
  })
})
