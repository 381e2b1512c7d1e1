/**
 * Exact two-sided McNemar test of two classifiers on the same test images: only the images exactly
 * one of them gets right carry information, and under "equally accurate" each of those is a fair
 * coin flip. Log-space sums, so a 70,000-image split neither underflows nor takes long.
 */
import * as Effect from "effect/Effect"
import type { Predictions } from "../ml/tables/predictions.ts"
import { ReportInputError } from "./errors.ts"

export interface McNemarTest {
  /** Images only A classifies correctly. */
  readonly b: number
  /** Images only B classifies correctly. */
  readonly c: number
  /** Exact two-sided p-value: min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2). */
  readonly pValue: number
  /** Top-1 of A minus Top-1 of B, in percentage points. */
  readonly difference: number
}

/** A method's test predictions, named for error messages. */
export interface MethodPredictions extends Predictions {
  readonly method: string
}

/** ln C(n, k) as a sum of k logarithms (no lgamma in JS); k <= n/2 keeps it short. */
const logChoose = (n: number, k: number): number => {
  let sum = 0
  for (let j = 1; j <= k; j++) sum += Math.log((n - k + j) / j)
  return sum
}

/**
 * ln P(X <= k) for X ~ Binomial(n, 1/2) and k <= n/2: the largest term, P(X = k), times the sum of
 * the ratios P(X = i) / P(X = k) for i <= k, which shrink fast enough to stop once negligible.
 */
const logLowerTail = (n: number, k: number): number => {
  let ratioSum = 0
  let ratio = 1
  for (let i = k; i >= 0 && ratio > 1e-17 * ratioSum; i--) {
    ratioSum += ratio
    ratio *= i / (n - i + 1)
  }
  return logChoose(n, k) - n * Math.LN2 + Math.log(ratioSum)
}

/** Exact two-sided McNemar p-value from the discordant counts `b` and `c`. */
export const exactMcNemarPValue = (b: number, c: number): number => {
  const n = b + c
  return Math.min(1, 2 * Math.exp(logLowerTail(n, Math.min(b, c))))
}

const mismatch = (a: MethodPredictions, b: MethodPredictions, detail: string) =>
  new ReportInputError({
    message: `cannot pair the test predictions of ${a.method} and ${b.method}: ${detail}`,
    hint: "both probes must have run on the same test split; rerun the stale one"
  })

/** Pairs A and B by image id (the row orders may differ) and tests whether their Top-1 differ. */
export const pairedMcNemar = (a: MethodPredictions, b: MethodPredictions): Effect.Effect<McNemarTest, ReportInputError> =>
  Effect.suspend(() => {
    const rows = a.ids.length
    if (b.ids.length !== rows) return Effect.fail(mismatch(a, b, `${rows} rows against ${b.ids.length}`))
    const rowOfB = new Map<number, number>()
    for (let j = 0; j < rows; j++) rowOfB.set(b.ids[j], j)
    if (rowOfB.size !== rows) return Effect.fail(mismatch(a, b, `${b.method} lists an image id twice`))
    let onlyA = 0
    let onlyB = 0
    const seen = new Set<number>()
    for (let i = 0; i < rows; i++) {
      const id = a.ids[i]
      const j = rowOfB.get(id)
      if (j === undefined) return Effect.fail(mismatch(a, b, `image id ${id} is only in ${a.method}`))
      if (seen.has(id)) return Effect.fail(mismatch(a, b, `${a.method} lists image id ${id} twice`))
      seen.add(id)
      if (a.labels[i] !== b.labels[j]) return Effect.fail(mismatch(a, b, `image id ${id} has label ${a.labels[i]} in one and ${b.labels[j]} in the other`))
      const rightA = a.predicted[i] === a.labels[i]
      const rightB = b.predicted[j] === b.labels[j]
      if (rightA && !rightB) onlyA++
      else if (rightB && !rightA) onlyB++
    }
    return Effect.succeed({
      b: onlyA,
      c: onlyB,
      pValue: exactMcNemarPValue(onlyA, onlyB),
      difference: rows === 0 ? 0 : ((onlyA - onlyB) / rows) * 100
    })
  })

/** `3.1e-5` below 0.001, else two significant digits (`0.42`, `0.0071`, `1`). */
export const formatPValue = (p: number): string => {
  // exp() of the log tail underflows past ~1e-308; such a p is below anything worth printing anyway
  if (p < 1e-300) return "< 1e-300"
  if (p < 1e-3) return p.toExponential(1)
  return String(Number(p.toPrecision(2)))
}

/**
 * Holm's step-down adjustment of a family of p-values (controls the family-wise error rate without
 * assuming independence): sorted ascending, the i-th smallest (from 0) is scaled by (m - i), then
 * made monotone and capped at 1. Returned in the input order.
 */
export const holmAdjusted = (pValues: ReadonlyArray<number>): ReadonlyArray<number> => {
  const m = pValues.length
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i)
  const adjusted = new Array<number>(m)
  let running = 0
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p))
    adjusted[i] = running
  })
  return adjusted
}
