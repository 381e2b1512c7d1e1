/**
 * The kNN evaluation's `metrics` artifact: one row `top1`, `top5` (Float64), `k` (Int32, chosen on
 * val), `val_top1` (Float64), the whole k grid and the temperature in the `seed` metadata.
 * Not re-exported from `./index.ts`, which is in the pretrain stage's code closure.
 */
import { Field, Float64, Int32, Schema as ArrowSchema } from "apache-arrow"
import type * as Effect from "effect/Effect"
import type { KnnResult } from "../knn.ts"
import { seedMetadata, tableOf, writeArrowFile, type ArtifactIoError } from "./arrow-file.ts"
import { float64Column, int32Column } from "./columns.ts"

export const knnMetricsFields = ["top1", "top5", "k", "val_top1"] as const

export const writeKnnMetrics = (
  path: string,
  result: KnnResult,
  context: { readonly method: string; readonly kind: string; readonly temperature: number }
): Effect.Effect<void, ArtifactIoError> => {
  const schema = new ArrowSchema(
    [new Field("top1", new Float64(), false), new Field("top5", new Float64(), false), new Field("k", new Int32(), false), new Field("val_top1", new Float64(), false)],
    seedMetadata({ kind: "knn-metrics", method: context.method, methodKind: context.kind, temperature: context.temperature, grid: result.grid })
  )
  return writeArrowFile(
    path,
    tableOf(schema, 1, [float64Column([result.top1]), float64Column([result.top5]), int32Column([result.k]), float64Column([result.valTop1])])
  )
}
