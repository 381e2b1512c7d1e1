/**
 * Config slices read by the pretrain and probe stages: the methods (a union tagged on `kind`),
 * the shared encoder, training budget, augmentations, probe grid and compute backend.
 * The lead composes them into the whole SEED config.
 */
import * as Schema from "effect/Schema"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const Positive = Schema.Number.pipe(Schema.positive())
const NonNegative = Schema.Number.pipe(Schema.nonNegative())
const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalWith(schema, { default: () => value })

/** Knobs every method may override over the shared `training` slice. */
const overrides = {
  name: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9_-]*$/)),
  epochs: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  learningRate: Schema.optional(Positive)
}

export const AutoencoderMethod = Schema.Struct({
  kind: Schema.Literal("autoencoder"),
  ...overrides,
  /** Reconstruction loss on [0,1] pixels. */
  loss: withDefault(Schema.Literal("mse", "bce"), "bce")
})

export const ContrastiveMethod = Schema.Struct({
  kind: Schema.Literal("contrastive"),
  ...overrides,
  temperature: withDefault(Positive, 0.5),
  projectionDim: withDefault(PositiveInt, 64)
})

/**
 * Deep InfoMax. The defaults are the paper's DIM(L) (Hjelm et al. 2019): local features from an
 * intermediate block (the one before the last), the global vector from the encoder's output above
 * it, alpha = 0, beta = 1, gamma = 0.1 (prior matching on).
 */
export const InfomaxMethod = Schema.Struct({
  kind: Schema.Literal("infomax"),
  ...overrides,
  /** Weight of the global MI term (0 disables it). */
  alpha: withDefault(NonNegative, 0),
  /** Weight of the local MI term. */
  beta: withDefault(NonNegative, 1),
  /** Weight of the adversarial prior-matching term against a uniform prior (0 disables it). */
  gamma: withDefault(NonNegative, 0.1),
  /** Encoder block whose output is the local feature map (0-based; negative counts from the end). */
  localLayer: withDefault(Schema.Int, -2),
  /** Average-pool the local map by this factor per side before scoring (fewer, larger patches: cheaper pair scores). */
  localPool: withDefault(PositiveInt, 1),
  /** Width of the discriminator's encode-and-dot space. */
  discriminatorDim: withDefault(PositiveInt, 64),
  /**
   * The MI estimator, both from the paper: "jsd" (Jensen-Shannon, the default) or "nce" (infoNCE; each
   * (local, global) pair of an image against every local feature of the other images in the batch).
   */
  estimator: withDefault(Schema.Literal("jsd", "nce"), "jsd")
})

export const RawPixelsBaseline = Schema.Struct({ kind: Schema.Literal("raw-pixels"), ...overrides })
export const RandomEncoderBaseline = Schema.Struct({ kind: Schema.Literal("random-encoder"), ...overrides })
export const SupervisedBaseline = Schema.Struct({ kind: Schema.Literal("supervised"), ...overrides })

/** One entry of `methods`. */
export const MethodConfig = Schema.Union(
  AutoencoderMethod,
  ContrastiveMethod,
  InfomaxMethod,
  RawPixelsBaseline,
  RandomEncoderBaseline,
  SupervisedBaseline
)
export type MethodConfig = typeof MethodConfig.Type
export type MethodKind = MethodConfig["kind"]

/** The kinds that train the encoder (with a loss, hence with augmentations and a training budget). */
export const TrainedMethodConfig = Schema.Union(AutoencoderMethod, ContrastiveMethod, InfomaxMethod, SupervisedBaseline)
export type TrainedMethodConfig = typeof TrainedMethodConfig.Type
export type RawPixelsBaseline = typeof RawPixelsBaseline.Type
export type RandomEncoderBaseline = typeof RandomEncoderBaseline.Type

/** Kinds that are reference rows rather than SSL methods. */
export const baselineKinds: ReadonlyArray<MethodKind> = ["raw-pixels", "random-encoder", "supervised"]
export const isBaseline = (kind: MethodKind): boolean => baselineKinds.includes(kind)

export const EncoderConfig = Schema.Struct({
  /** Output channels of each 3x3 conv block. */
  widths: Schema.NonEmptyArray(PositiveInt),
  /** Stride of each block (default: 1 for the first, 2 for the rest). */
  strides: Schema.optional(Schema.Array(PositiveInt)),
  /** Average-pool the last block to this many cells per side before flattening (default 1: global pooling). */
  poolGrid: Schema.optional(PositiveInt),
  /** Embedding size; a linear layer after pooling maps to it when it differs from poolGrid^2 x the last width. */
  embeddingDim: PositiveInt
}).pipe(
  Schema.filter((encoder) =>
    encoder.strides === undefined || encoder.strides.length === encoder.widths.length
      ? undefined
      : { path: ["strides"], message: `${encoder.strides.length} strides for ${encoder.widths.length} blocks (widths); give one stride per block, or none for the default` }
  )
)
export type EncoderConfig = typeof EncoderConfig.Type

/**
 * The learning rate over a method's steps: "constant", or "cosine": half a cosine from the rate down to
 * 0 over all of its steps (SimCLR's and solo-learn's decay, without warm-up).
 */
export const LearningRateSchedule = Schema.Literal("constant", "cosine")
export type LearningRateSchedule = typeof LearningRateSchedule.Type

export const TrainingConfig = Schema.Struct({
  epochs: Schema.Int.pipe(Schema.nonNegative()),
  batchSize: PositiveInt,
  learningRate: Positive,
  /** Pretrain on at most this many (seeded, shuffled) train images; embeddings still cover every split. */
  maxTrainImages: Schema.optional(PositiveInt),
  /** Checkpoint every this many steps inside an epoch too (resumes mid-epoch, same bytes); absent: after each epoch only. */
  checkpointEverySteps: Schema.optional(PositiveInt),
  /** LearningRateSchedule; absent means constant. */
  schedule: Schema.optional(LearningRateSchedule)
})
export type TrainingConfig = typeof TrainingConfig.Type

export const AugmentConfig = Schema.Struct({
  /** Random resized crop: fraction of the image area kept, [min, max]. */
  cropScale: withDefault(Schema.Tuple(Positive, Positive), [0.6, 1] as const),
  /** Largest translation in pixels. */
  maxShift: withDefault(NonNegative, 2),
  maxRotateDeg: withDefault(NonNegative, 10),
  /** Horizontal flips: only where the dataset allows them (Fashion-MNIST yes, digits no). */
  flip: withDefault(Schema.Boolean, true),
  /** Largest additive brightness change on [0,1] pixels. */
  brightness: withDefault(NonNegative, 0.2),
  /** Largest relative contrast change. */
  contrast: withDefault(NonNegative, 0.3),
  /** Standard deviation of additive gaussian noise. */
  noise: withDefault(NonNegative, 0.03)
})
export type AugmentConfig = typeof AugmentConfig.Type

const evaluationSubsetDoc =
  "At most this many train-split embeddings as the evaluation's labelled train set (evenly spaced rows); all when absent"

export const ProbeConfig = Schema.Struct({
  /** L2 strengths tried; the best on the val split is kept. */
  l2Grid: withDefault(Schema.NonEmptyArray(NonNegative), [1e-4, 1e-3, 1e-2] as const),
  /** L-BFGS iterations per grid point. */
  maxIterations: withDefault(PositiveInt, 100),
  maxTrainImages: Schema.optional(PositiveInt).annotations({ description: evaluationSubsetDoc })
})
export type ProbeConfig = typeof ProbeConfig.Type

export const KnnConfig = Schema.Struct({
  /** Neighbour counts tried; the best on the val split is kept (ties: the smaller k). */
  kGrid: withDefault(Schema.NonEmptyArray(PositiveInt), [5, 10, 20, 50, 200] as const),
  /** Vote weight exp(similarity / temperature), as in InstDisc and solo-learn. */
  temperature: withDefault(Positive, 0.07),
  maxTrainImages: Schema.optional(PositiveInt).annotations({ description: evaluationSubsetDoc })
})
export type KnnConfig = typeof KnnConfig.Type

export const ComputeConfig = Schema.Struct({
  /** auto: tensorflow (tfjs-node) when installed, else native (oneDNN, Debian's libdnnl2) when it loads, else wasm. */
  backend: withDefault(Schema.Literal("auto", "tensorflow", "native", "wasm", "cpu"), "auto"),
  /** Threads per heavy stage (native); auto: the cores shared by the heavy stages that can run at once. */
  threads: Schema.optional(Schema.Union(PositiveInt, Schema.Literal("auto")))
})
export type ComputeConfig = typeof ComputeConfig.Type

export type AutoencoderMethod = typeof AutoencoderMethod.Type
export type ContrastiveMethod = typeof ContrastiveMethod.Type
export type InfomaxMethod = typeof InfomaxMethod.Type
