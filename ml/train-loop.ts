/**
 * The one training loop every trainable method shares: a seeded data feed (optional subset,
 * per-epoch shuffle, fixed-size batches, fresh augmented views per batch), Adam over the encoder
 * and the method's heads, per-epoch history, a divergence check on every step, and optional
 * checkpoints to resume from: after every epoch, and every N steps inside one (a 1M-image epoch is
 * most of an hour). A resumed run ends with the same bytes as an uninterrupted one.
 */
import * as tf from "@tensorflow/tfjs-core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { EpochRecord } from "../schemas/artifacts.ts"
import type { AugmentConfig, LearningRateSchedule } from "../schemas/methods.ts"
import type { ImageSet } from "../data/image-set.ts"
import { adam } from "./adam.ts"
import { augmentImages } from "./augment.ts"
import type { ArtifactIoError } from "./tables/arrow-file.ts"
import type { InEpochProgress } from "../schemas/checkpoint.ts"
import { captureTrainingState, loadCheckpoint, restoreTrainingState, saveCheckpoint } from "./checkpoint.ts"
import type { Encoder } from "./encoder.ts"
import type { TrainableMethod } from "./methods/method.ts"
import { permutation, type Rng } from "../data/random.ts"

/** The loss became NaN/Infinity or blew up: the stage stops and writes nothing. */
export class TrainingDiverged extends Data.TaggedError("TrainingDiverged")<{
  readonly message: string
  readonly hint: string
  readonly epoch: number
  readonly step: number
  readonly loss: number
}> {}

export interface TrainOptions {
  readonly images: ImageSet
  readonly encoder: Encoder
  readonly method: TrainableMethod
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  /** How the rate moves over the run's steps (see learningRateAt; absent: constant). */
  readonly schedule?: LearningRateSchedule
  readonly augment: AugmentConfig
  /** Drives the subset, the shuffles and the augmentations. */
  readonly rng: Rng
  /** Train on a seeded subset of at most this many images. */
  readonly maxImages?: number
  /** Called after every step (progress reporting). */
  readonly onStep?: (step: number, totalSteps: number, loss: number) => Effect.Effect<void>
  /** Where the divergence error says it happened (the stage name). */
  readonly label?: string
  /** Saves the training state here after every epoch, and resumes from what it finds (ml/checkpoint.ts). */
  readonly checkpointDir?: string
  /** Also saves it every this many steps inside an epoch (with checkpointDir). */
  readonly checkpointEverySteps?: number
  /** Called when training resumes from a checkpoint, with the epochs it skips (and the steps of the next). */
  readonly onResume?: (epochsDone: number, stepsDone: number) => Effect.Effect<void>
}

/** A step whose |loss| exceeds this multiple of the first step's (at least 1) counts as exploding. */
const explosionFactor = 1e4

/**
 * The rate of step `step` (0-based, counted over the whole run) of `totalSteps`: the base rate, or half
 * a cosine from it to 0. A function of the step alone, so a resumed run takes the same rates.
 */
export const learningRateAt = (schedule: TrainOptions["schedule"], rate: number, step: number, totalSteps: number): number =>
  schedule === "cosine" && totalSteps > 0 ? rate * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)) : rate

/** The images trained on: all of them, or a seeded subset. */
const trainingRows = (count: number, maxImages: number | undefined, rng: Rng): Uint32Array =>
  maxImages === undefined || maxImages >= count ? permutation(count, rng).sort() : permutation(count, rng).slice(0, maxImages)

/** Trains encoder and heads in place; returns one record per epoch. */
export const trainLoop = (options: TrainOptions): Effect.Effect<ReadonlyArray<EpochRecord>, TrainingDiverged | ArtifactIoError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { images, method, batchSize } = options
      const rows = trainingRows(images.count, options.maxImages, options.rng.fork("subset"))
      const size = Math.min(batchSize, rows.length)
      const stepsPerEpoch = Math.floor(rows.length / size)
      const totalSteps = stepsPerEpoch * options.epochs
      const variables = [...options.encoder.params.values(), ...method.heads.values()]
      const optimizer = yield* Effect.acquireRelease(
        Effect.sync(() => adam(options.learningRate)),
        (opt) => Effect.sync(() => opt.dispose())
      )
      const history: Array<EpochRecord> = []
      let reference: number | undefined
      let firstEpoch = 0
      let inEpoch: InEpochProgress | undefined
      const saved = options.checkpointDir === undefined ? undefined : yield* loadCheckpoint(options.checkpointDir)
      const fits = saved !== undefined &&
        (saved.inEpoch === undefined ? saved.epochsDone <= options.epochs : saved.epochsDone < options.epochs && saved.inEpoch.stepsDone < stepsPerEpoch)
      if (fits && (yield* restoreTrainingState(saved.tensors, variables, optimizer))) {
        history.push(...saved.history)
        reference = saved.referenceLoss
        firstEpoch = saved.epochsDone
        inEpoch = saved.inEpoch
        if (options.onResume) yield* options.onResume(firstEpoch, inEpoch?.stepsDone ?? 0)
      }
      const save = (epochsDone: number, partial?: InEpochProgress) =>
        Effect.gen(function* () {
          const tensors = yield* captureTrainingState(variables, optimizer)
          yield* saveCheckpoint(options.checkpointDir!, { epochsDone, history, referenceLoss: reference, tensors, inEpoch: partial })
        })
      const every = options.checkpointDir === undefined ? undefined : options.checkpointEverySteps
      for (let epoch = firstEpoch; epoch < options.epochs; epoch++) {
        const epochRng = options.rng.fork(`epoch-${epoch}`)
        const order = permutation(rows.length, epochRng)
        // resuming inside this epoch: the same order, then the generator where the checkpoint left it
        const resumed = epoch === firstEpoch ? inEpoch : undefined
        if (resumed !== undefined) epochRng.restore(resumed.rng)
        const started = performance.now() - (resumed?.seconds ?? 0) * 1000
        let lossSum = resumed?.lossSum ?? 0
        for (let step = resumed?.stepsDone ?? 0; step < stepsPerEpoch; step++) {
          const batch = order.subarray(step * size, (step + 1) * size).map((i) => rows[i])
          optimizer.setLearningRate(learningRateAt(options.schedule, options.learningRate, epoch * stepsPerEpoch + step, totalSteps))
          const loss = yield* Effect.sync(() => trainStep(options, optimizer, variables, batch, epochRng, epochRng.fork(`step-${step}`)))
          reference ??= Math.max(1, Math.abs(loss))
          if (!Number.isFinite(loss) || Math.abs(loss) > explosionFactor * reference) {
            return yield* Effect.fail(diverged(options, epoch, step, loss))
          }
          lossSum += loss
          if (options.onStep) yield* options.onStep(epoch * stepsPerEpoch + step + 1, totalSteps, loss)
          if (every !== undefined && (step + 1) % every === 0 && step + 1 < stepsPerEpoch) {
            const seconds = (performance.now() - started) / 1000
            yield* save(epoch, { stepsDone: step + 1, lossSum, seconds, rng: epochRng.state() })
          }
        }
        const seconds = (performance.now() - started) / 1000
        history.push({ epoch, loss: lossSum / stepsPerEpoch, seconds, imagesPerSecond: (stepsPerEpoch * size) / seconds })
        if (options.checkpointDir !== undefined) yield* save(epoch + 1)
      }
      return history
    })
  )

/** One optimizer step on one batch; returns the loss. All tensors are released before returning. */
const trainStep = (
  options: TrainOptions,
  optimizer: tf.Optimizer,
  variables: Array<tf.Variable>,
  batch: Uint32Array,
  rng: Rng,
  lossRng: Rng
): number => {
  const { images } = options
  const shape = images.shape
  const labels = new Int32Array(batch.length)
  batch.forEach((row, i) => (labels[i] = images.labels[row]))
  const tensors = tf.tidy(() => ({
    views: Array.from({ length: options.method.views }, () =>
      tf.tensor4d(augmentImages(images.pixels, shape, batch, options.augment, rng), [batch.length, ...shape])
    ),
    labels: tf.tensor1d(labels, "int32")
  }))
  try {
    const loss = optimizer.minimize(() => options.method.loss({ ...tensors, rng: lossRng }), true, variables)
    const value = loss === null ? NaN : loss.dataSync()[0]
    loss?.dispose()
    return value
  } finally {
    tf.dispose([...tensors.views, tensors.labels])
  }
}

const diverged = (options: TrainOptions, epoch: number, step: number, loss: number) =>
  new TrainingDiverged({
    message: `${options.label ?? "training"}: loss ${loss} at epoch ${epoch}, step ${step} (learning rate ${options.learningRate})`,
    hint: "lower the learning rate (method.learningRate or training.learningRate) or the batch size; check the input pixels",
    epoch,
    step,
    loss
  })
