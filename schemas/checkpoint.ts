/** The training loop's checkpoint progress file (`epoch-<n>/progress.json`), decoded when a stage resumes. */
import * as Schema from "effect/Schema"
import { EpochRecord } from "./artifacts.ts"

export const CheckpointProgress = Schema.Struct({
  epochsDone: Schema.Int.pipe(Schema.nonNegative()),
  history: Schema.Array(EpochRecord),
  /** The divergence check's reference loss (the first step's); absent before the first step. */
  referenceLoss: Schema.optional(Schema.Number)
})
export type CheckpointProgress = typeof CheckpointProgress.Type
