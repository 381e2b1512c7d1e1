/**
 * One result row per method: probe accuracy, training cost and embedding size, with the method's
 * role (SSL method or baseline) so that baselines are never mistaken for methods.
 * Free of Arrow so that stage declarations can import it cheaply.
 */
import type { EpochRecord, ProbeMetrics } from "./artifacts.ts"

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

export interface ResultRow {
  readonly method: string
  readonly kind: string
  readonly role: string
  readonly top1: number
  readonly top5: number
  /** Sum of the per-epoch training times; 0 for methods that do not train. */
  readonly wallSeconds: number
  readonly epochs: number
  /** Mean training throughput over epochs; null for methods that do not train. */
  readonly imagesPerS: number | null
  readonly embeddingDim: number
}

/** Summarizes one method from its probe metrics, its training history and its embedding size. */
export const resultRow = (
  method: { readonly name: string; readonly kind: string },
  metrics: ProbeMetrics,
  history: ReadonlyArray<EpochRecord>,
  embeddingDim: number
): ResultRow => ({
  method: method.name,
  kind: method.kind,
  role: roleOf(method.kind),
  top1: metrics.top1,
  top5: metrics.top5,
  wallSeconds: history.reduce((sum, e) => sum + e.seconds, 0),
  epochs: history.length,
  imagesPerS: history.length === 0 ? null : history.reduce((sum, e) => sum + e.imagesPerS, 0) / history.length,
  embeddingDim
})

/** SSL methods first, then baselines, each group in the order the config lists them. */
export const orderRows = (rows: ReadonlyArray<ResultRow>): ReadonlyArray<ResultRow> => [
  ...rows.filter((r) => !isBaseline(r.kind)),
  ...rows.filter((r) => isBaseline(r.kind))
]

export const resultFields = [
  "method", "kind", "role", "top1", "top5", "wall_seconds", "epochs", "images_per_s", "embedding_dim"
] as const
