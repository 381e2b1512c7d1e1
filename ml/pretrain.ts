/**
 * One method's pretraining, end to end in memory: build the shared encoder from the seed, train it
 * with the method's loss (baselines: no training, or pixels only), then embed every split frozen.
 * Every method starts from the same encoder init, so the random-encoder baseline is their common start.
 * The loss comes from the caller (`makeMethod`), not a registry of every kind: a pretrain stage's code
 * key then holds its own kind's loss only (stages/pretrain-kinds.ts).
 */
import * as Effect from "effect/Effect"
import type { ImageSet } from "../data/image-set.ts"
import type { AugmentConfig, EncoderConfig, RandomEncoderBaseline, TrainedMethodConfig, TrainingConfig } from "../schemas/methods.ts"
import { embedFrozen, rawPixelEmbeddings, type EncoderMutated, type Embeddings } from "./embed.ts"
import { makeEncoder } from "./encoder.ts"
import type { MethodBuilder } from "./methods/method.ts"
import { makeRng } from "../data/random.ts"
import { snapshotParams, type NamedWeights } from "./tables/weights.ts"
import type { ArtifactIoError } from "./tables/arrow-file.ts"
import type { EpochRecord } from "../schemas/artifacts.ts"
import { trainLoop, type TrainingDiverged } from "./train-loop.ts"
import { disposeParams } from "./weights.ts"

export interface ImageSplits {
  readonly train: ImageSet
  readonly val: ImageSet
  readonly test: ImageSet
}

/** What every kind with an encoder needs: the seed of its init and its architecture. */
interface EncoderRun {
  readonly seed: number
  readonly encoder: EncoderConfig
  readonly splits: ImageSplits
}

/** The untrained encoder: embedded as initialized, `embedBatchSize` images at a time. */
export interface RandomEncoderRun extends EncoderRun {
  readonly method: RandomEncoderBaseline
  readonly embedBatchSize: number
}

/** A kind that trains the encoder, with its augmentations and resumable epoch checkpoints; it embeds at the training batch size. */
export interface TrainedRun extends EncoderRun {
  readonly method: TrainedMethodConfig
  /** Builds `method`'s loss and heads. */
  readonly makeMethod: MethodBuilder
  readonly training: TrainingConfig
  readonly augment: AugmentConfig
  readonly onStep?: (step: number, totalSteps: number, loss: number) => Effect.Effect<void>
  /** Epoch checkpoints of the training loop go here (resumed when present). */
  readonly checkpointDir?: string
  readonly onResume?: (epochsDone: number, stepsDone: number) => Effect.Effect<void>
}

export type PretrainOptions = RandomEncoderRun | TrainedRun

const trains = (options: PretrainOptions): options is TrainedRun => options.method.kind !== "random-encoder"

export interface PretrainResult {
  readonly weights: ReadonlyArray<NamedWeights>
  readonly history: ReadonlyArray<EpochRecord>
  readonly embeddings: { readonly train: Embeddings; readonly val: Embeddings; readonly test: Embeddings }
}

/** The raw-pixels baseline: each image's pixels / 255 as its embedding; no encoder, weights or history. */
export const rawPixelsPretrain = (splits: ImageSplits): PretrainResult => ({
  weights: [],
  history: [],
  embeddings: { train: rawPixelEmbeddings(splits.train), val: rawPixelEmbeddings(splits.val), test: rawPixelEmbeddings(splits.test) }
})

/** Builds the encoder from the seed, trains it (when the kind trains) and embeds every split; tensors are released whatever happens. */
export const pretrain = (options: PretrainOptions): Effect.Effect<PretrainResult, TrainingDiverged | EncoderMutated | ArtifactIoError> => {
  const { splits } = options
  const rng = makeRng(options.seed)
  return Effect.scoped(
    Effect.gen(function* () {
      const encoder = yield* Effect.acquireRelease(
        Effect.sync(() => makeEncoder(options.encoder, splits.train.shape, rng.fork("encoder-init"))),
        (e) => Effect.sync(() => disposeParams(e.params))
      )
      let history: ReadonlyArray<EpochRecord> = []
      const embedBatchSize = trains(options) ? options.training.batchSize : options.embedBatchSize
      if (trains(options)) {
        const { method, makeMethod } = options
        const trainable = yield* Effect.acquireRelease(
          Effect.sync(() =>
            makeMethod(method, { encoder, rng: rng.fork(`heads:${method.kind}`), classCount: splits.train.classNames.length })
          ),
          (m) => Effect.sync(() => disposeParams(m.heads))
        )
        history = yield* trainLoop({
          images: splits.train,
          encoder,
          method: trainable,
          epochs: method.epochs ?? options.training.epochs,
          batchSize: options.training.batchSize,
          learningRate: method.learningRate ?? options.training.learningRate,
          schedule: options.training.schedule ?? "constant",
          augment: options.augment,
          rng: rng.fork("train"),
          maxImages: options.training.maxTrainImages,
          onStep: options.onStep,
          checkpointDir: options.checkpointDir,
          checkpointEverySteps: options.training.checkpointEverySteps,
          onResume: options.onResume,
          label: `pretrain:${method.name}`
        })
      }
      const [train, val, test] = yield* embedFrozen(encoder, [splits.train, splits.val, splits.test], embedBatchSize)
      return { weights: snapshotParams(encoder.params), history, embeddings: { train, val, test } }
    })
  )
}
