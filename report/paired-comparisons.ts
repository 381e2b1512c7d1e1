/**
 * Which pairs the report tests, and how: every self-supervised method against every floor baseline
 * (random encoder, raw pixels) and against every other self-supervised method, for both evaluations
 * (linear probe, kNN). A comparison accounts for the test images and the seeds at once: an exact
 * McNemar test per seed (same seed on both sides; a seed-free baseline pairs with every seed), Holm's
 * correction over every test the report makes, and the mean paired difference across seeds with its
 * t interval. The supervised upper bound is left out: beating it is not what the benchmark asks.
 */
import * as Effect from "effect/Effect"
import type { Predictions } from "../ml/tables/predictions.ts"
import type { ReportInputError } from "./errors.ts"
import { seedSpread, type SeedSpread } from "./interval.ts"
import { isBaseline } from "./results.ts"
import { holmAdjusted, pairedMcNemar, type McNemarTest } from "./significance.ts"

/** The baselines a self-supervised method has to beat, in the order the report lists them. */
export const floorBaselineKinds = ["random-encoder", "raw-pixels"] as const

/** Below this Holm-adjusted p-value a Top-1 difference counts as meaningful. */
export const significanceLevel = 0.01

export const evaluations = ["linear", "knn"] as const
export type Evaluation = (typeof evaluations)[number]
export const evaluationLabel: Readonly<Record<Evaluation, string>> = { linear: "linear probe", knn: "kNN" }

/** One run's test predictions under each evaluation. */
export interface RunPredictions {
  readonly seed: number | null
  readonly linear: Predictions
  readonly knn: Predictions
}

export interface MethodRuns {
  readonly name: string
  readonly kind: string
  readonly runs: ReadonlyArray<RunPredictions>
}

/** The McNemar test of one seed, with its p-value adjusted over the report's whole family of tests. */
export interface SeedTest extends McNemarTest {
  readonly seed: number | null
  readonly adjustedP: number
}

export interface PairedComparison {
  readonly method: string
  /** The baseline or other self-supervised method it is compared with. */
  readonly other: string
  readonly otherKind: string
  readonly evaluation: Evaluation
  readonly seeds: ReadonlyArray<SeedTest>
  /** Top-1 of `method` minus Top-1 of `other` across seeds, in percentage points. */
  readonly difference: SeedSpread
  /** Every seed's adjusted p below the level, every seed's difference of the same sign. */
  readonly meaningful: boolean
}

/** Floor baselines (random encoder first) against each SSL method, then each pair of SSL methods in config order. */
export const comparisonPairs = <M extends { readonly kind: string }>(methods: ReadonlyArray<M>): ReadonlyArray<readonly [M, M]> => {
  const ssl = methods.filter((m) => !isBaseline(m.kind))
  const floors = floorBaselineKinds.flatMap((kind) => methods.filter((m) => m.kind === kind))
  return [
    ...floors.flatMap((floor) => ssl.map((m) => [m, floor] as const)),
    ...ssl.flatMap((a, i) => ssl.slice(i + 1).map((b) => [a, b] as const))
  ]
}

/** The runs paired seed by seed; a seed-free side (one run, seed null) pairs with each seed of the other. */
export const pairRuns = (a: MethodRuns, b: MethodRuns): ReadonlyArray<readonly [RunPredictions, RunPredictions]> => {
  const seedFree = (m: MethodRuns) => m.runs.length === 1 && m.runs[0].seed === null
  if (seedFree(a)) return b.runs.map((r) => [a.runs[0], r] as const)
  if (seedFree(b)) return a.runs.map((r) => [r, b.runs[0]] as const)
  return a.runs.flatMap((r) => {
    const match = b.runs.find((s) => s.seed === r.seed)
    return match === undefined ? [] : [[r, match] as const]
  })
}

const meaningful = (seeds: ReadonlyArray<SeedTest>): boolean =>
  seeds.length > 0 &&
  seeds.every((t) => t.adjustedP < significanceLevel) &&
  (seeds.every((t) => t.difference > 0) || seeds.every((t) => t.difference < 0))

/** Every comparison of the report, Holm-adjusted together. */
export const pairedComparisons = (methods: ReadonlyArray<MethodRuns>): Effect.Effect<ReadonlyArray<PairedComparison>, ReportInputError> =>
  Effect.gen(function* () {
    const raw = yield* Effect.forEach(comparisonPairs(methods).flatMap(([a, b]) => evaluations.map((evaluation) => ({ a, b, evaluation }))), ({ a, b, evaluation }) =>
      Effect.forEach(pairRuns(a, b), ([ra, rb]) =>
        pairedMcNemar({ ...ra[evaluation], method: a.name }, { ...rb[evaluation], method: b.name }).pipe(
          Effect.map((test) => ({ ...test, seed: ra.seed ?? rb.seed }))
        )
      ).pipe(Effect.map((tests) => ({ a, b, evaluation, tests })))
    )
    const adjusted = holmAdjusted(raw.flatMap((c) => c.tests.map((t) => t.pValue)))
    let next = 0
    return raw.map(({ a, b, evaluation, tests }): PairedComparison => {
      const seeds = tests.map((t): SeedTest => ({ ...t, adjustedP: adjusted[next++] }))
      return {
        method: a.name,
        other: b.name,
        otherKind: b.kind,
        evaluation,
        seeds,
        difference: seedSpread(seeds.length === 0 ? [0] : seeds.map((t) => t.difference)),
        meaningful: meaningful(seeds)
      }
    })
  })

/** A lead of `method` over `other` that the tests say is not chance. */
export const isSignificantLead = (comparison: PairedComparison): boolean => comparison.meaningful && comparison.difference.mean > 0

/** The largest adjusted p over the seeds: the comparison is meaningful only if this one is below the level. */
export const worstAdjustedP = (comparison: PairedComparison): number => Math.max(...comparison.seeds.map((t) => t.adjustedP))
