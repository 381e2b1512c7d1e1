/**
 * Which pairs the report tests: every self-supervised method against every floor baseline
 * (random encoder, raw pixels), image by image on the test split. The supervised upper bound is
 * left out: beating it is not what the benchmark asks of a self-supervised method.
 */
import * as Effect from "effect/Effect"
import type { Predictions } from "../tables/predictions.ts"
import type { ReportInputError } from "./errors.ts"
import { isBaseline } from "./results.ts"
import { pairedMcNemar, type McNemarTest } from "./significance.ts"

/** The baselines a self-supervised method has to beat, in the order the report lists them. */
export const floorBaselineKinds = ["random-encoder", "raw-pixels"] as const

/** Below this p-value a Top-1 difference counts as meaningful. */
export const significanceLevel = 0.01

export interface PairedComparison extends McNemarTest {
  readonly method: string
  readonly baseline: string
}

export interface MethodWithPredictions {
  readonly name: string
  readonly kind: string
  readonly predictions: Predictions
}

/** Grouped by baseline (random encoder first), methods in the order given within each group. */
export const pairedComparisons = (
  methods: ReadonlyArray<MethodWithPredictions>
): Effect.Effect<ReadonlyArray<PairedComparison>, ReportInputError> => {
  const ssl = methods.filter((m) => !isBaseline(m.kind))
  const baselines = floorBaselineKinds.flatMap((kind) => methods.filter((m) => m.kind === kind))
  const pairs = baselines.flatMap((baseline) => ssl.map((method) => ({ method, baseline })))
  return Effect.forEach(pairs, ({ method, baseline }) =>
    pairedMcNemar({ ...method.predictions, method: method.name }, { ...baseline.predictions, method: baseline.name }).pipe(
      Effect.map((test): PairedComparison => ({ method: method.name, baseline: baseline.name, ...test }))
    )
  )
}

/** A lead of `method` over `baseline` that the test says is not chance. */
export const isSignificantLead = (comparison: PairedComparison): boolean =>
  comparison.difference > 0 && comparison.pValue < significanceLevel
