/**
 * The kNN evaluation's `metrics` artifact: one row `top1`, `top5` (Float64), `k` (Int32, chosen on
 * val), `val_top1` (Float64), the whole k grid and the temperature in the `seed` metadata.
 */
import { Field, Float64, Int32, Schema as ArrowSchema } from "apache-arrow"
import * as Effect from "effect/Effect"
import { knnMetricsFields, KnnMetricsMetadata } from "../../schemas/artifacts.ts"
import type { KnnResult } from "../knn.ts"
import { readArrowFile, seedMetadata, singleRow, tableOf, writeArrowFile, type ArtifactIoError } from "./arrow-file.ts"
import { float64Column, int32Column } from "./columns.ts"

/** The headline numbers of one kNN evaluation. */
export interface KnnMetrics {
  readonly top1: number
  readonly top5: number
  readonly k: number
  readonly valTop1: number
}

const knnMetricsArtifact = { kind: "knn-metrics" as const, fields: knnMetricsFields, metadata: KnnMetricsMetadata }

export const writeKnnMetrics = (
  path: string,
  result: KnnResult,
  context: { readonly method: string; readonly kind: string; readonly temperature: number }
): Effect.Effect<void, ArtifactIoError> => {
  const metadata: typeof KnnMetricsMetadata.Encoded = { kind: "knn-metrics", method: context.method, methodKind: context.kind, temperature: context.temperature, grid: result.grid }
  const schema = new ArrowSchema(
    [new Field("top1", new Float64(), false), new Field("top5", new Float64(), false), new Field("k", new Int32(), false), new Field("val_top1", new Float64(), false)],
    seedMetadata(metadata)
  )
  return writeArrowFile(
    path,
    tableOf(schema, 1, [float64Column([result.top1]), float64Column([result.top5]), int32Column([result.k]), float64Column([result.valTop1])])
  )
}

/** Reads the one metrics row back. */
export const readKnnMetrics = (path: string): Effect.Effect<KnnMetrics, ArtifactIoError> =>
  Effect.flatMap(readArrowFile(path, knnMetricsArtifact), ({ table }) => singleRow(path, table, knnMetricsFields)).pipe(
    Effect.map(([top1, top5, k, valTop1]) => ({ top1, top5, k, valTop1 }))
  )
