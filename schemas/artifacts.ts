/**
 * What each ML artifact is: its Arrow columns (in order) and the `seed` metadata its writer records,
 * as Effect Schemas its reader decodes. Free of Arrow so that stage declarations, which name their
 * outputs' fields, stay cheap to import; the readers and writers are `ml/tables/<kind>.ts`.
 * The images artifact is `data/image-metadata.ts`.
 */
import * as Schema from "effect/Schema"

const method = Schema.String

// --- embeddings (pretrain:<m>.train/val/test) ---
export const embeddingFields = ["id", "label", "embedding"] as const
export const EmbeddingsMetadata = Schema.Struct({
  kind: Schema.Literal("embeddings"),
  method,
  dim: Schema.Int,
  rows: Schema.Int,
  /** Class names by label (the probe's per-class table names its rows with them). */
  classNames: Schema.Array(Schema.String)
})

// --- encoder weights (pretrain:<m>.encoder; the training loop's checkpoints) ---
export const weightFields = ["name", "shape", "values"] as const
export const WeightsMetadata = Schema.Struct({ kind: Schema.Literal("weights"), method, backend: Schema.String })

// --- training history (pretrain:<m>.history) ---
export const historyFields = ["epoch", "loss", "seconds", "images_per_s"] as const
export const HistoryMetadata = Schema.Struct({ kind: Schema.Literal("history"), method })
/** One epoch of training: a row of the history artifact, and of a checkpoint's progress. */
export const EpochRecord = Schema.Struct({
  epoch: Schema.Int.pipe(Schema.nonNegative()),
  /** Mean step loss over the epoch. */
  loss: Schema.Number,
  seconds: Schema.Number,
  /** Source images per second (a SimCLR image counts once though it is seen as two views). */
  imagesPerSecond: Schema.Number
})
export type EpochRecord = typeof EpochRecord.Type

// --- linear probe (probe:<m>.metrics/per_class/confusion) ---
export const probeMetricsFields = ["top1", "top5", "l2", "val_top1"] as const
export const ProbeMetricsMetadata = Schema.Struct({
  kind: Schema.Literal("probe-metrics"),
  method,
  methodKind: Schema.String,
  /** Val Top-1 of every L2 tried, in grid order. */
  grid: Schema.Array(Schema.Struct({ l2: Schema.Number, valTop1: Schema.Number }))
})
export const perClassFields = ["label", "name", "accuracy", "count"] as const
export const PerClassMetadata = Schema.Struct({ kind: Schema.Literal("probe-per-class"), method })
export const confusionFields = ["true_label", "predicted_label", "count"] as const
export const ConfusionMetadata = Schema.Struct({ kind: Schema.Literal("probe-confusion"), method, classCount: Schema.Int })

// --- kNN (knn:<m>.metrics) ---
export const knnMetricsFields = ["top1", "top5", "k", "val_top1"] as const
export const KnnMetricsMetadata = Schema.Struct({
  kind: Schema.Literal("knn-metrics"),
  method,
  methodKind: Schema.String,
  temperature: Schema.Number,
  /** Val Top-1 of every k tried, in grid order. */
  grid: Schema.Array(Schema.Struct({ k: Schema.Number, valTop1: Schema.Number }))
})

// --- test predictions (probe:<m>.predictions, knn:<m>.predictions) ---
export const predictionFields = ["id", "label", "predicted"] as const
export const PredictionsMetadata = Schema.Struct({ kind: Schema.Literal("predictions"), method, rows: Schema.Int })
