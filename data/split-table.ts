/**
 * Split: reads an ingest image table twice. The first pass takes every row's label and a hash of
 * its pixels, from which the rows' splits are planned (random or official, see `routeRows`) and
 * train rows that duplicate a val or test image are dropped; the second pass routes each row to
 * the train, val or test table. Rows keep their ingest ids and input order within each split.
 */
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import { makeBatchBuffer } from "./batch-buffer.ts"
import { ImageTableError, InvalidSplit, type DataError } from "./errors.ts"
import { rowBytesOf, type ImageTableMetadata } from "./image-metadata.ts"
import { defaultBatchRows } from "./image-source.ts"
import { forEachImageBatch, makeImageTableWriter, readImageMetadataEffect } from "./image-table.ts"
import {
  checkRatios,
  dropCrossSplitDuplicates,
  routeRows,
  splitNames,
  type SplitMode,
  type SplitName,
  type SplitRatios
} from "./stratified-split.ts"

export interface SplitOptions {
  readonly batchRows?: number
  readonly onProgress?: (done: number, total: number) => Effect.Effect<void>
}

export interface SplitParams extends SplitRatios {
  readonly seed: number
  /** Default: `official` when the input has an official test set, else `random`. */
  readonly mode?: SplitMode
}

/** The mode to use, or InvalidSplit when `official` is asked of a source without an official test set. */
export const resolveSplitMode = (requested: SplitMode | undefined, input: ImageTableMetadata): SplitMode | InvalidSplit => {
  if (requested === "official" && input.officialTest === undefined)
    return new InvalidSplit({
      message: `split.mode official: the source ${input.source} has no official test set`,
      hint: "set split.mode to random (sources with an official test set: Fashion-MNIST / MNIST IDX files, CIFAR-10 batches)"
    })
  return requested ?? (input.officialTest === undefined ? "random" : "official")
}

/** First pass: every row's label and a content hash of its pixels. */
const scanRows = (inputPath: string, input: ImageTableMetadata) =>
  Effect.gen(function* () {
    const labels = new Uint8Array(input.rows)
    const hashes = new Array<string>(input.rows)
    const rowBytes = rowBytesOf(input.shape)
    let at = 0
    yield* forEachImageBatch(inputPath, (batch) =>
      Effect.gen(function* () {
        for (let r = 0; r < batch.count; r++, at++) {
          if (batch.labels[r] >= input.classNames.length)
            return yield* Effect.fail(
              new ImageTableError({ path: inputPath, message: `${inputPath}: row ${at} has label ${batch.labels[r]}, beyond its ${input.classNames.length} classes` })
            )
          labels[at] = batch.labels[r]
          hashes[at] = crypto.createHash("sha256").update(batch.pixels.subarray(r * rowBytes, (r + 1) * rowBytes)).digest("base64")
        }
      })
    )
    return { labels, hashes }
  })

/** Writes the three split tables; returns each one's metadata. */
export const splitImageTable = (
  inputPath: string,
  outputs: Readonly<Record<SplitName, string>>,
  params: SplitParams,
  options: SplitOptions = {}
): Effect.Effect<Record<SplitName, ImageTableMetadata>, DataError> =>
  Effect.gen(function* () {
    const ratios = { train: params.train, val: params.val, test: params.test }
    const invalid = checkRatios(ratios)
    if (invalid) return yield* Effect.fail(invalid)
    const input = yield* readImageMetadataEffect(inputPath)
    const mode = resolveSplitMode(params.mode, input)
    if (mode instanceof InvalidSplit) return yield* Effect.fail(mode)
    const official = mode === "official" ? { testFrom: input.officialTest!.firstId } : undefined
    const { labels, hashes } = yield* scanRows(inputPath, input)
    const route = routeRows(labels, input.classNames.length, ratios, params.seed, official)
    const duplicatesDropped = dropCrossSplitDuplicates(route, hashes)
    const counts = splitNames.map(() => new Array<number>(input.classNames.length).fill(0))
    for (let r = 0; r < route.length; r++) if (route[r] < splitNames.length) counts[route[r]][labels[r]]++
    const { officialTest: _, ...inputFacts } = input
    const metadataOf = (name: SplitName, s: number): ImageTableMetadata => {
      const classCounts = counts[s]
      const ratio = official === undefined ? ratios[name] : name === "test" ? input.officialTest!.rows / input.rows : name === "val" ? ratios.val : 1 - ratios.val
      const split = {
        name,
        ratio,
        seed: params.seed,
        inputRows: input.rows,
        ...(official ? { mode: "official" as const } : {}),
        ...(name === "train" && duplicatesDropped > 0 ? { duplicatesDropped } : {})
      }
      return { ...inputFacts, rows: classCounts.reduce((a, b) => a + b, 0), classCounts, split }
    }
    const metadata = { train: metadataOf("train", 0), val: metadataOf("val", 1), test: metadataOf("test", 2) }
    const rowBytes = rowBytesOf(input.shape)
    const progress = options.onProgress ?? (() => Effect.void)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const buffers = yield* Effect.forEach(splitNames, (name) =>
          Effect.map(makeImageTableWriter(outputs[name], metadata[name]), (writer) => ({
            writer,
            buffer: makeBatchBuffer(writer, rowBytes, options.batchRows ?? defaultBatchRows)
          }))
        )
        let done = 0
        yield* forEachImageBatch(inputPath, (batch) =>
          Effect.gen(function* () {
            const routes = route.subarray(done, done + batch.count)
            // Consecutive rows bound for the same split move with one copy per column.
            for (let r = 0; r < batch.count; ) {
              let end = r + 1
              while (end < batch.count && routes[end] === routes[r]) end++
              const target = buffers[routes[r]]
              for (let from = r; target !== undefined && from < end; ) {
                from += target.buffer.pushRun(batch.ids, batch.labels, batch.pixels, from, end - from)
                if (target.buffer.full()) yield* target.buffer.flush
              }
              r = end
            }
            done += batch.count
            yield* progress(done, input.rows)
          })
        )
        for (const { buffer } of buffers) yield* buffer.flush
        for (const { writer } of buffers) yield* writer.commit
      })
    )
    return metadata
  })
