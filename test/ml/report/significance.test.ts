import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { isSignificantLead, pairedComparisons } from "../../../ml/report/paired-comparisons.ts"
import { exactMcNemarPValue, formatPValue, pairedMcNemar, type MethodPredictions } from "../../../ml/report/significance.ts"

/** P(X <= k), X ~ Binomial(n, 1/2), summed term by term: fine in doubles for small n. */
const directLowerTail = (n: number, k: number): number => {
  let term = 0.5 ** n
  let sum = 0
  for (let i = 0; i <= k; i++) {
    sum += term
    term *= (n - i) / (i + 1)
  }
  return sum
}

/** `rows` test images of 10 classes; `right(i)` says whether the method gets image i right. */
const predictionsOf = (method: string, rows: number, right: (i: number) => boolean, ids = Int32Array.from({ length: rows }, (_, i) => 7 + i)): MethodPredictions => {
  const labels = Uint8Array.from({ length: rows }, (_, i) => i % 10)
  return { method, ids, labels, predicted: labels.map((label, i) => (right(i) ? label : (label + 1) % 10)) }
}

describe("exactMcNemarPValue", () => {
  it("matches hand-checked values", () => {
    expect(exactMcNemarPValue(10, 0)).toBeCloseTo(2 * 0.5 ** 10, 15) // 0.001953125
    expect(exactMcNemarPValue(10, 0) / 0.001953125).toBeCloseTo(1, 12)
    expect(exactMcNemarPValue(7, 1)).toBeCloseTo((2 * 9) / 256, 15) // P(X <= 1) = (1 + 8) / 2^8
    expect(exactMcNemarPValue(1, 0)).toBe(1)
    expect(exactMcNemarPValue(0, 0)).toBe(1)
  })

  it("is 1 when both are right on as many images as each other", () => {
    for (const n of [1, 2, 5, 40, 1000, 35_000]) expect(exactMcNemarPValue(n, n)).toBe(1)
  })

  it("is symmetric in the two classifiers", () => {
    for (const [b, c] of [[10, 0], [7, 1], [30, 12], [3000, 2800]]) expect(exactMcNemarPValue(b, c)).toBe(exactMcNemarPValue(c, b))
  })

  it("agrees with a term-by-term sum where that is exact enough", () => {
    for (const [b, c] of [[30, 12], [25, 24], [60, 20], [100, 71], [3, 17]]) {
      const expected = Math.min(1, 2 * directLowerTail(b + c, Math.min(b, c)))
      expect(exactMcNemarPValue(b, c) / expected).toBeCloseTo(1, 9)
    }
  })

  it("stays finite and quick for a 70,000-image test split", () => {
    const started = performance.now()
    const p = exactMcNemarPValue(3000, 2800)
    // normal approximation with continuity correction: 2 Phi(-(200 - 1) / sqrt(5800)) = 0.0090
    expect(p).toBeGreaterThan(0.0085)
    expect(p).toBeLessThan(0.0095)
    // exact rational arithmetic (Python: 2 * sum(comb(5800, i) for i <= 2800) / 2**5800)
    expect(p / 0.008969436001193416).toBeCloseTo(1, 9)
    const large = exactMcNemarPValue(36_000, 34_000)
    expect(Number.isFinite(large) && large > 0 && large < 1e-6).toBe(true)
    const extreme = exactMcNemarPValue(70_000, 0)
    expect(extreme).toBe(0) // 2^-69999 underflows to 0, not NaN
    expect(performance.now() - started).toBeLessThan(100)
  })
})

describe("formatPValue", () => {
  it("uses scientific notation below 0.001 and two significant digits above", () => {
    expect(formatPValue(3.14e-5)).toBe("3.1e-5")
    expect(formatPValue(0.001953125)).toBe("0.002")
    expect(formatPValue(0.4213)).toBe("0.42")
    expect(formatPValue(0.0071)).toBe("0.0071")
    expect(formatPValue(1)).toBe("1")
    expect(formatPValue(0)).toBe("< 1e-300")
  })
})

describe("pairedMcNemar", () => {
  it.effect("counts the images only one of the two gets right, whatever the row order", () =>
    Effect.gen(function* () {
      // A right on rows 0..59, B right on rows 10..49 and 60..64: b = 20, c = 5, 100 images
      const a = predictionsOf("a", 100, (i) => i < 60)
      const b = predictionsOf("b", 100, (i) => (i >= 10 && i < 50) || (i >= 60 && i < 65))
      const reversed: MethodPredictions = { method: "b", ids: b.ids.slice().reverse(), labels: b.labels.slice().reverse(), predicted: b.predicted.slice().reverse() }
      const test = yield* pairedMcNemar(a, reversed)
      expect(test.b).toBe(20)
      expect(test.c).toBe(5)
      expect(test.difference).toBeCloseTo(60 - 45, 10)
      expect(test.pValue).toBe(exactMcNemarPValue(20, 5))
      const swapped = yield* pairedMcNemar(reversed, a)
      expect([swapped.b, swapped.c, swapped.pValue]).toEqual([5, 20, test.pValue])
      expect(swapped.difference).toBeCloseTo(-15, 10)
    })
  )

  it.effect("fails with ReportInputError when the two sets do not cover the same images", () =>
    Effect.gen(function* () {
      const a = predictionsOf("autoencoder", 20, () => true)
      const shifted = predictionsOf("raw-pixels", 20, () => true, Int32Array.from({ length: 20 }, (_, i) => 8 + i))
      const shorter = predictionsOf("raw-pixels", 19, () => true)
      for (const b of [shifted, shorter]) {
        const exit = yield* Effect.exit(pairedMcNemar(a, b))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          const error = JSON.stringify(exit.cause)
          expect(error).toContain("ReportInputError")
          expect(error).toContain("autoencoder and raw-pixels")
        }
      }
    })
  )

  it.effect("fails when one set lists an image twice or the labels disagree", () =>
    Effect.gen(function* () {
      const a = predictionsOf("a", 4, () => true)
      const twice: MethodPredictions = { ...a, method: "b", ids: Int32Array.of(7, 8, 8, 10) }
      const relabelled: MethodPredictions = { ...a, method: "b", labels: Uint8Array.of(0, 1, 2, 9) }
      for (const b of [twice, relabelled]) expect(Exit.isFailure(yield* Effect.exit(pairedMcNemar(a, b)))).toBe(true)
    })
  )
})

describe("pairedComparisons", () => {
  it.effect("tests every self-supervised method against each floor baseline, random encoder first", () =>
    Effect.gen(function* () {
      const method = (name: string, kind: string, right: (i: number) => boolean) => ({ name, kind, predictions: predictionsOf(name, 200, right) })
      const comparisons = yield* pairedComparisons([
        method("ae", "autoencoder", (i) => i < 150),
        method("cl", "contrastive", (i) => i < 105),
        method("pixels", "raw-pixels", (i) => i < 100),
        method("untrained", "random-encoder", (i) => i < 100),
        method("labels", "supervised", () => true)
      ])
      expect(comparisons.map((c) => [c.method, c.baseline, c.b, c.c])).toEqual([
        ["ae", "untrained", 50, 0],
        ["cl", "untrained", 5, 0],
        ["ae", "pixels", 50, 0],
        ["cl", "pixels", 5, 0]
      ])
      // 5 of 5 discordant images for cl: p = 2 / 2^5 = 0.0625, a lead but not a meaningful one
      expect(comparisons.map((c) => c.pValue)[1]).toBe(0.0625)
      expect(comparisons.map(isSignificantLead)).toEqual([true, false, true, false])
    })
  )
})
