/** The training loop's checkpoint progress file (`epoch-<n>/progress.json`), decoded when a stage resumes. */
import * as Schema from "effect/Schema"
import { EpochRecord } from "./artifacts.ts"

const Word = Schema.Int.pipe(Schema.between(-2147483648, 4294967295))

/** How far into the epoch after `epochsDone` a mid-epoch checkpoint was taken. */
export const InEpochProgress = Schema.Struct({
  stepsDone: Schema.Int.pipe(Schema.positive()),
  /** The epoch's loss sum so far, to average over the whole epoch as an uninterrupted run does. */
  lossSum: Schema.Number,
  /** Training seconds of the epoch so far (the history's time columns are volatile). */
  seconds: Schema.Number.pipe(Schema.nonNegative()),
  /** The epoch generator's position (its augmentation draws continue from there). */
  rng: Schema.Tuple(Word, Word, Word, Word, Schema.NullOr(Schema.Number))
})
export type InEpochProgress = typeof InEpochProgress.Type

export const CheckpointProgress = Schema.Struct({
  epochsDone: Schema.Int.pipe(Schema.nonNegative()),
  history: Schema.Array(EpochRecord),
  /** The divergence check's reference loss (the first step's); absent before the first step. */
  referenceLoss: Schema.optional(Schema.Number),
  /** Present for a checkpoint taken inside an epoch (`training.checkpointEverySteps`). */
  inEpoch: Schema.optional(InEpochProgress)
})
export type CheckpointProgress = typeof CheckpointProgress.Type
