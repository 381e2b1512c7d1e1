/** The training loop's checkpoint progress file (`epoch-<n>/progress.json`), decoded when a stage resumes. */
import * as Schema from "effect/Schema"

export const EpochRecordSchema = Schema.Struct({
  epoch: Schema.Int.pipe(Schema.nonNegative()),
  loss: Schema.Number,
  seconds: Schema.Number,
  imagesPerSecond: Schema.Number
})

export const CheckpointProgress = Schema.Struct({
  epochsDone: Schema.Int.pipe(Schema.nonNegative()),
  history: Schema.Array(EpochRecordSchema),
  /** The divergence check's reference loss (the first step's); absent before the first step. */
  referenceLoss: Schema.optional(Schema.Number)
})
export type CheckpointProgress = typeof CheckpointProgress.Type
