/**
 * Reads the artifacts the report summarizes (probe metrics, per-class accuracy, confusion,
 * test predictions, training history, test embeddings, split metadata) into plain typed values.
 * Formats: docs/ARCHITECTURE.md, "Artifact formats".
 */
import * as Effect from "effect/Effect"
import * as Arrow from "apache-arrow"
import * as fs from "node:fs"
import { readImageMetadataEffect } from "../../data/image-table.ts"
import { readPredictions as readPredictionsTable, type Predictions } from "../tables/predictions.ts"
import { ReportInputError } from "./errors.ts"

export interface EpochRecord {
  readonly epoch: number
  readonly loss: number
  readonly seconds: number
  readonly imagesPerS: number
}

export interface ProbeMetrics {
  readonly top1: number
  readonly top5: number
  readonly l2: number
  readonly valTop1: number
}

/** `knn:<m>.metrics`: the weighted kNN evaluation, k chosen on val. */
export interface KnnMetrics {
  readonly top1: number
  readonly top5: number
  readonly k: number
  readonly valTop1: number
}

export interface ClassAccuracy {
  readonly label: number
  readonly name: string
  readonly accuracy: number
  readonly count: number
}

export interface ConfusionCell {
  readonly trueLabel: number
  readonly predictedLabel: number
  readonly count: number
}

/** Test-split embeddings: row i is `values[i*dim .. (i+1)*dim)`. */
export interface Embeddings {
  readonly ids: Int32Array
  readonly labels: Uint8Array
  readonly values: Float32Array
  readonly rows: number
  readonly dim: number
}

/** What an image artifact's `seed` schema metadata says about a split. */
export interface SplitSummary {
  readonly source: string
  readonly shape: ReadonlyArray<number>
  readonly classNames: ReadonlyArray<string>
  readonly rows: number
  readonly classCounts: ReadonlyArray<number>
}

const inputError = (file: string, what: string, cause?: unknown) =>
  new ReportInputError({
    message: `${what} (${file})${cause === undefined ? "" : `: ${cause instanceof Error ? cause.message : String(cause)}`}`,
    hint: "rerun the upstream stage; its output does not match the artifact format in docs/ARCHITECTURE.md"
  })

/** Opens a whole (small) Arrow IPC file. */
const readTable = (file: string): Effect.Effect<Arrow.Table, ReportInputError> =>
  Effect.try({ try: () => Arrow.tableFromIPC(fs.readFileSync(file)), catch: (e) => inputError(file, "cannot read Arrow file", e) })

/** A column as plain numbers, failing with the column name when it is absent. */
const numbers = (table: Arrow.Table, column: string, file: string): Effect.Effect<ReadonlyArray<number>, ReportInputError> => {
  const vector = table.getChild(column)
  return vector === null
    ? Effect.fail(inputError(file, `missing column "${column}"`))
    : Effect.succeed(Array.from(vector.toArray() as ArrayLike<number | bigint>, Number))
}

/** `pretrain:<m>.history`: one record per epoch (empty for methods that do not train). */
export const readHistory = (file: string) =>
  Effect.gen(function* () {
    const table = yield* readTable(file)
    const [epoch, loss, seconds, imagesPerS] = yield* Effect.all(
      ["epoch", "loss", "seconds", "images_per_s"].map((c) => numbers(table, c, file))
    )
    return epoch.map((e, i): EpochRecord => ({ epoch: e, loss: loss[i], seconds: seconds[i], imagesPerS: imagesPerS[i] }))
  })

/** `probe:<m>.metrics`: exactly one row. */
export const readMetrics = (file: string) =>
  Effect.gen(function* () {
    const table = yield* readTable(file)
    if (table.numRows !== 1) return yield* Effect.fail(inputError(file, `expected one metrics row, found ${table.numRows}`))
    const [top1, top5, l2, valTop1] = yield* Effect.all(["top1", "top5", "l2", "val_top1"].map((c) => numbers(table, c, file)))
    return { top1: top1[0], top5: top5[0], l2: l2[0], valTop1: valTop1[0] } satisfies ProbeMetrics
  })

/** `knn:<m>.metrics`: exactly one row. */
export const readKnnMetrics = (file: string) =>
  Effect.gen(function* () {
    const table = yield* readTable(file)
    if (table.numRows !== 1) return yield* Effect.fail(inputError(file, `expected one kNN metrics row, found ${table.numRows}`))
    const [top1, top5, k, valTop1] = yield* Effect.all(["top1", "top5", "k", "val_top1"].map((c) => numbers(table, c, file)))
    return { top1: top1[0], top5: top5[0], k: k[0], valTop1: valTop1[0] } satisfies KnnMetrics
  })

/** `probe:<m>.per_class`. */
export const readPerClass = (file: string) =>
  Effect.gen(function* () {
    const table = yield* readTable(file)
    const [label, accuracy, count] = yield* Effect.all(["label", "accuracy", "count"].map((c) => numbers(table, c, file)))
    const names = table.getChild("name")
    if (names === null) return yield* Effect.fail(inputError(file, `missing column "name"`))
    return label.map((l, i): ClassAccuracy => ({ label: l, name: String(names.get(i)), accuracy: accuracy[i], count: count[i] }))
  })

/** `probe:<m>.confusion`: sparse (true, predicted, count) cells. */
export const readConfusion = (file: string) =>
  Effect.gen(function* () {
    const table = yield* readTable(file)
    const [t, p, count] = yield* Effect.all(["true_label", "predicted_label", "count"].map((c) => numbers(table, c, file)))
    return t.map((trueLabel, i): ConfusionCell => ({ trueLabel, predictedLabel: p[i], count: count[i] }))
  })

/** `probe:<m>.predictions`: the top-1 class of every test image, for the paired test. */
export const readPredictions = (file: string): Effect.Effect<Predictions, ReportInputError> =>
  readPredictionsTable(file).pipe(
    Effect.map(({ ids, labels, predicted }): Predictions => ({ ids, labels, predicted })),
    Effect.mapError((e) => new ReportInputError({ message: e.message, hint: e.hint ?? "rerun the probe stage; its predictions output is unreadable" }))
  )

/** `pretrain:<m>.test`: copies the FixedSizeList<Float32> child values batch by batch into one array. */
export const readEmbeddings = (file: string) =>
  Effect.gen(function* () {
    const table = yield* readTable(file)
    const column = table.getChild("embedding")
    const type = column?.type
    const float32 = (t: Arrow.DataType) => Arrow.DataType.isFloat(t) && t.precision === Arrow.Precision.SINGLE
    if (column === null || !Arrow.DataType.isFixedSizeList(type) || !float32(type.valueType))
      return yield* Effect.fail(inputError(file, `column "embedding" must be FixedSizeList<Float32>, found ${String(type)}`))
    const dim = type.listSize
    const rows = table.numRows
    const values = new Float32Array(rows * dim)
    let row = 0
    for (const data of column.data) {
      const child = data.children[0]
      values.set((child.values as Float32Array).subarray(child.offset, child.offset + data.length * dim), row * dim)
      row += data.length
    }
    const bad = values.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0) return yield* Effect.fail(inputError(file, `embedding of row ${Math.floor(bad / dim)} is not finite`))
    const [ids, labels] = yield* Effect.all(["id", "label"].map((c) => numbers(table, c, file)))
    return { ids: Int32Array.from(ids), labels: Uint8Array.from(labels), values, rows, dim } satisfies Embeddings
  })

/** The split's `seed` metadata, read from the file footer only (the pixels are never loaded). */
export const readSplitSummary = (file: string): Effect.Effect<SplitSummary, ReportInputError> =>
  readImageMetadataEffect(file).pipe(
    Effect.map((m): SplitSummary => ({
      source: m.source,
      shape: m.shape,
      classNames: m.classNames,
      rows: m.rows,
      classCounts: m.classCounts
    })),
    Effect.mapError((e) => new ReportInputError({ message: `split metadata (${file}): ${e.message}`, hint: "rerun the split stage" }))
  )
