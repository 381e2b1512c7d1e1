/**
 * The `seed` schema metadata of an image table: provenance that travels inside the Arrow file,
 * decoded with a Schema on read so a foreign or damaged file fails with a clear error.
 */
import * as Schema from "effect/Schema"

/** The columns of an image table, in order: `id` Int32, `label` Uint8, `pixels` FixedSizeBinary(H*W*C). */
export const imageTableFields = ["id", "label", "pixels"] as const

export const SourceFile = Schema.Struct({
  /** Path as configured (or a class folder for image-folder sources). */
  path: Schema.String,
  sha256: Schema.String,
  bytes: Schema.Number
})
export type SourceFile = typeof SourceFile.Type

/**
 * How a split table was cut from its ingest table. Only this split's own ratio is recorded, so a
 * ratio change elsewhere that leaves this split's rows alone leaves its file byte-identical.
 */
export const SplitInfo = Schema.Struct({
  name: Schema.Literal("train", "val", "test"),
  ratio: Schema.Number,
  seed: Schema.Number,
  inputRows: Schema.Number,
  /** Present when the test split is the source's official test set (absent: a seeded random share). */
  mode: Schema.optional(Schema.Literal("official")),
  /**
   * Train rows dropped because their pixels exactly equal a val or test image's (train table only;
   * absent when none were, which keeps the tables of duplicate-free sources byte-identical).
   */
  duplicatesDropped: Schema.optional(Schema.Int)
})
export type SplitInfo = typeof SplitInfo.Type

export const ImageTableMetadata = Schema.Struct({
  kind: Schema.Literal("images"),
  source: Schema.String,
  shape: Schema.Tuple(Schema.Int, Schema.Int, Schema.Int),
  classNames: Schema.Array(Schema.String),
  rows: Schema.Int,
  /** Rows per class index, length = classNames.length. */
  classCounts: Schema.Array(Schema.Int),
  sourceFiles: Schema.Array(SourceFile),
  /** Source-specific facts (generator params, skipped rows, duplicates...). */
  notes: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /**
   * The source's own test set (Fashion-MNIST / MNIST t10k, CIFAR-10 test_batch): ingest ids
   * firstId .. firstId + rows - 1. Absent for sources without one.
   */
  officialTest: Schema.optional(Schema.Struct({ firstId: Schema.Int, rows: Schema.Int })),
  split: Schema.optional(SplitInfo)
})
export type ImageTableMetadata = typeof ImageTableMetadata.Type

/** Bytes per image row. */
export const rowBytesOf = (shape: readonly [number, number, number]): number => shape[0] * shape[1] * shape[2]
