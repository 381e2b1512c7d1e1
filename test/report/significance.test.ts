import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { isSignificantLead, pairRuns, pairedComparisons, worstAdjustedP } from "../../report/paired-comparisons.ts"
import { exactMcNemarPValue, formatPValue, holmAdjusted, pairedMcNemar, type MethodPredictions } from "../../report/significance.ts"

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

describe("holmAdjusted", () => {
  it("matches Holm's step-down adjustment worked by hand, in the input order", () => {
    // sorted: 0.005 x5 = 0.025, 0.01 x4 = 0.04, 0.03 x3 = 0.09, 0.04 x2 = 0.08 -> 0.09 (monotone), 0.5 x1
    const adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005, 0.5])
    ;[0.04, 0.09, 0.09, 0.025, 0.5].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12))
    expect(holmAdjusted([0.6, 0.7])).toEqual([1, 1])
    expect(holmAdjusted([])).toEqual([])
  })
})

describe("pairedComparisons", () => {
  /** A method whose run at seed s gets image i right when `right(i, s)` (both evaluations alike unless `knn` says otherwise). */
  const method = (name: string, kind: string, seeds: ReadonlyArray<number | null>, right: (i: number, seed: number) => boolean, knn = right) => ({
    name,
    kind,
    runs: seeds.map((seed) => ({
      seed,
      linear: predictionsOf(name, 200, (i) => right(i, seed ?? 0)),
      knn: predictionsOf(name, 200, (i) => knn(i, seed ?? 0))
    }))
  })
  const seeds = [0, 1, 2]

  it.effect("pairs every SSL method with each floor baseline and with each other SSL method, seed by seed", () =>
    Effect.gen(function* () {
      const comparisons = yield* pairedComparisons([
        method("ae", "autoencoder", seeds, (i) => i < 150),
        method("cl", "contrastive", seeds, (i, s) => i < 104 + s),
        method("pixels", "raw-pixels", [null], (i) => i < 100),
        method("untrained", "random-encoder", seeds, (i) => i < 100),
        method("labels", "supervised", seeds, () => true)
      ])
      expect(comparisons.filter((c) => c.evaluation === "linear").map((c) => `${c.method} vs ${c.other}`)).toEqual([
        "ae vs untrained", "cl vs untrained", "ae vs pixels", "cl vs pixels", "ae vs cl"
      ])
      expect(comparisons).toHaveLength(10) // 5 pairs x 2 evaluations
      const clPixels = comparisons.find((c) => c.method === "cl" && c.other === "pixels" && c.evaluation === "linear")!
      // the seed-free baseline pairs with every seed of the method
      expect(clPixels.seeds.map((t) => [t.seed, t.b, t.c])).toEqual([[0, 4, 0], [1, 5, 0], [2, 6, 0]])
      expect(clPixels.difference.mean).toBeCloseTo(2.5, 10) // 2.0, 2.5, 3.0 points
      expect(clPixels.difference.std).toBeCloseTo(0.5, 10)
      expect(clPixels.difference.low).toBeCloseTo(2.5 - 4.30265273 * (0.5 / Math.sqrt(3)), 8)
      // ae leads by 50 images on every seed: meaningful after Holm over all 30 tests; cl's 4-6 are not
      const aeUntrained = comparisons.find((c) => c.method === "ae" && c.other === "untrained" && c.evaluation === "linear")!
      expect(aeUntrained.seeds.every((t) => t.adjustedP <= 30 * t.pValue + 1e-18 && t.adjustedP >= t.pValue)).toBe(true)
      expect(isSignificantLead(aeUntrained)).toBe(true)
      expect(isSignificantLead(clPixels)).toBe(false)
      expect(worstAdjustedP(clPixels)).toBe(Math.max(...clPixels.seeds.map((t) => t.adjustedP)))
      expect(worstAdjustedP(clPixels)).toBeGreaterThan(0.01)
      // between SSL methods the difference is signed: ae - cl
      const aeCl = comparisons.find((c) => c.method === "ae" && c.other === "cl" && c.evaluation === "linear")!
      expect(aeCl.difference.mean).toBeCloseTo(22.5, 10)
      expect(aeCl.meaningful).toBe(true)
    })
  )

  it.effect("calls a difference meaningful only when every seed's adjusted test agrees", () =>
    Effect.gen(function* () {
      // seed 1 of ae is no better than the baseline: the other two seeds alone do not make the lead meaningful
      const comparisons = yield* pairedComparisons([
        method("ae", "autoencoder", seeds, (i, s) => (s === 1 ? i < 100 : i < 160), (i) => i < 100),
        method("untrained", "random-encoder", seeds, (i) => i < 100)
      ])
      const [linear, knn] = comparisons
      expect([linear.evaluation, knn.evaluation]).toEqual(["linear", "knn"])
      expect(linear.seeds.map((t) => t.adjustedP < 0.01)).toEqual([true, false, true])
      expect(linear.meaningful).toBe(false)
      expect(linear.difference.mean).toBeCloseTo(20, 10)
      expect(knn.difference.mean).toBe(0)
      expect(knn.meaningful).toBe(false)
    })
  )

  it("pairs runs by seed and leaves out seeds only one side has", () => {
    const a = method("a", "autoencoder", [0, 1, 2], () => true)
    const b = method("b", "contrastive", [1, 2, 3], () => true)
    expect(pairRuns(a, b).map(([x, y]) => [x.seed, y.seed])).toEqual([[1, 1], [2, 2]])
  })
})
