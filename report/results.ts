/**
 * One result row per method, summarized over its training seeds: linear-probe and kNN accuracy
 * (mean, spread, 95% interval), training cost and embedding size, with the method's role (SSL
 * method or baseline) so that baselines are never mistaken for methods. Plus one row per seed.
 * Free of Arrow so that stage declarations can import it cheaply.
 */
import type { EpochRecord } from "../schemas/artifacts.ts"
import type { KnnMetrics } from "../ml/tables/knn-metrics.ts"
import type { ProbeMetrics } from "../ml/tables/probe-results.ts"
import { seedSpread, type SeedSpread } from "./interval.ts"

/** Kinds that are reference points, not self-supervised methods, and what each one stands for. */
export const baselineRoles: Readonly<Record<string, string>> = {
  "raw-pixels": "baseline: raw pixels",
  "random-encoder": "baseline: untrained encoder",
  supervised: "baseline: supervised (upper bound)"
}

export const sslRole = "self-supervised"

/** "self-supervised" for the SSL methods, "baseline: ..." for the reference rows. */
export const roleOf = (kind: string): string => baselineRoles[kind] ?? sslRole

export const isBaseline = (kind: string): boolean => kind in baselineRoles

/** What one (method, training seed) run measured; `seed` null for a seed-free method (raw pixels). */
export interface RunMetrics {
  readonly seed: number | null
  readonly probe: ProbeMetrics
  readonly knn: KnnMetrics
  readonly history: ReadonlyArray<EpochRecord>
}

export interface ResultRow {
  readonly method: string
  readonly kind: string
  readonly role: string
  /** Runs summarized (1 for a seed-free method). */
  readonly seeds: number
  /** Linear-probe Top-1 over the seeds. */
  readonly linear: SeedSpread
  readonly linearTop5: number
  /** Weighted-kNN Top-1 over the seeds. */
  readonly knn: SeedSpread
  readonly knnTop5: number
  /** Mean over seeds of the summed per-epoch training time; 0 for methods that do not train. */
  readonly wallSeconds: number
  readonly epochs: number
  /** Mean training throughput over seeds and epochs; null for methods that do not train. */
  readonly imagesPerS: number | null
  readonly embeddingDim: number
}

const mean = (values: ReadonlyArray<number>): number => values.reduce((a, b) => a + b, 0) / values.length

/** Summarizes one method from its runs (at least one) and its embedding size. */
export const resultRow = (
  method: { readonly name: string; readonly kind: string },
  runs: ReadonlyArray<RunMetrics>,
  embeddingDim: number
): ResultRow => {
  const epochs = runs.map((r) => r.history)
  const trained = epochs.filter((h) => h.length > 0)
  return {
    method: method.name,
    kind: method.kind,
    role: roleOf(method.kind),
    seeds: runs.length,
    linear: seedSpread(runs.map((r) => r.probe.top1)),
    linearTop5: mean(runs.map((r) => r.probe.top5)),
    knn: seedSpread(runs.map((r) => r.knn.top1)),
    knnTop5: mean(runs.map((r) => r.knn.top5)),
    wallSeconds: mean(epochs.map((h) => h.reduce((sum, e) => sum + e.seconds, 0))),
    epochs: epochs[0]?.length ?? 0,
    imagesPerS: trained.length === 0 ? null : mean(trained.flatMap((h) => h.map((e) => e.imagesPerSecond))),
    embeddingDim
  }
}

/** One run's numbers, for the per-seed table. */
export interface SeedRow {
  readonly method: string
  readonly kind: string
  readonly seed: number | null
  readonly probe: ProbeMetrics
  readonly knn: KnnMetrics
}

/** SSL methods first, then baselines, each group in the order the config lists them. */
export const orderRows = <R extends { readonly kind: string }>(rows: ReadonlyArray<R>): ReadonlyArray<R> => [
  ...rows.filter((r) => !isBaseline(r.kind)),
  ...rows.filter((r) => isBaseline(r.kind))
]

export const resultFields = [
  "method", "kind", "role", "seeds",
  "top1", "top1_std", "top1_ci_low", "top1_ci_high", "top5",
  "knn_top1", "knn_top1_std", "knn_top1_ci_low", "knn_top1_ci_high", "knn_top5",
  "wall_seconds", "epochs", "images_per_s", "embedding_dim"
] as const
