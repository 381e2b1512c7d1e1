/**
 * Ingest: opens the configured source, applies `limitPerClass` (the first N of each class in
 * source order), and streams the kept rows into an image table whose metadata is complete before
 * the first pixel is written. On any error the partial file is removed: no artifact appears.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { DatasetConfig } from "../schemas/dataset.ts"
import { EmptyDataset, toDataError, type DataError } from "./errors.ts"
import type { ImageTableMetadata } from "./image-metadata.ts"
import { makeBatchBuffer } from "./batch-buffer.ts"
import { defaultBatchRows, type ImageSource } from "./image-source.ts"
import { makeImageTableWriter } from "./image-table.ts"
import { openImageSource } from "./open-source.ts"

/**
 * Which rows survive `limitPerClass`, the resulting class counts, and how many kept rows come before
 * `officialTestFrom`. With an official test set the limit applies to the official train and test
 * parts separately (the first N of each class in each), so a limited table still has both.
 */
export const selectRows = (labels: Uint8Array, classes: number, limitPerClass?: number, officialTestFrom?: number) => {
  const counts = new Array<number>(classes).fill(0)
  const testFrom = officialTestFrom ?? labels.length
  if (limitPerClass === undefined) {
    for (const l of labels) counts[l]++
    return { keep: undefined, counts, rows: labels.length, keptBeforeTest: testFrom }
  }
  const keep = new Uint8Array(labels.length)
  let partCounts = new Array<number>(classes).fill(0)
  let rows = 0
  let keptBeforeTest = 0
  for (let i = 0; i < labels.length; i++) {
    if (i === testFrom) {
      keptBeforeTest = rows
      partCounts = new Array<number>(classes).fill(0)
    }
    if (partCounts[labels[i]] < limitPerClass) {
      partCounts[labels[i]]++
      counts[labels[i]]++
      keep[i] = 1
      rows++
    }
  }
  return { keep, counts, rows, keptBeforeTest: testFrom >= labels.length ? rows : keptBeforeTest }
}

/** The table metadata for a source and its kept rows. */
const metadataFor = (
  source: ImageSource,
  rows: number,
  classCounts: ReadonlyArray<number>,
  keptBeforeTest: number
): ImageTableMetadata => ({
  kind: "images",
  source: source.source,
  shape: [source.shape[0], source.shape[1], source.shape[2]],
  classNames: [...source.classNames],
  rows,
  classCounts: [...classCounts],
  sourceFiles: [...source.sourceFiles],
  ...(source.notes ? { notes: { ...source.notes } } : {}),
  ...(source.officialTestFrom === undefined ? {} : { officialTest: { firstId: keptBeforeTest, rows: rows - keptBeforeTest } })
})

export interface IngestOptions {
  readonly batchRows?: number
  readonly onProgress?: (done: number, total: number) => Effect.Effect<void>
}

/** Writes the configured dataset to `outPath` as an image table; returns its metadata. */
export const ingestDataset = (
  config: DatasetConfig,
  outPath: string,
  options: IngestOptions = {}
): Effect.Effect<ImageTableMetadata, DataError> =>
  Effect.gen(function* () {
    const where = "path" in config && config.path !== undefined ? config.path : config.source
    const source = yield* Effect.try({ try: () => openImageSource(config, options.batchRows), catch: toDataError(where) })
    const { keep, counts, rows, keptBeforeTest } = selectRows(
      source.labels,
      source.classNames.length,
      config.limitPerClass,
      source.officialTestFrom
    )
    if (rows === 0)
      return yield* Effect.fail(
        new EmptyDataset({ path: where, message: `${where}: the dataset is empty (0 images)`, hint: "check the source folder/files" })
      )
    const metadata = metadataFor(source, rows, counts, keptBeforeTest)
    const rowBytes = metadata.shape[0] * metadata.shape[1] * metadata.shape[2]
    const progress = options.onProgress ?? (() => Effect.void)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const writer = yield* makeImageTableWriter(outPath, metadata)
        const buffer = makeBatchBuffer(writer, rowBytes, options.batchRows ?? defaultBatchRows)
        let read = 0
        let id = 0
        let ids = new Int32Array(0)
        yield* Stream.fromAsyncIterable(source.batches(keep), toDataError(where)).pipe(
          Stream.runForEach((batch) =>
            Effect.gen(function* () {
              if (ids.length < batch.count) ids = new Int32Array(batch.count)
              // Kept rows go in maximal runs, one copy per column per run (every row, without limitPerClass).
              for (let r = 0; r < batch.count; ) {
                if (keep && !keep[read + r]) {
                  r++
                  continue
                }
                let end = r + 1
                while (end < batch.count && (!keep || keep[read + end])) end++
                for (let i = r; i < end; i++) ids[i] = id++
                for (let done = r; done < end; ) {
                  done += buffer.pushRun(ids, batch.labels, batch.pixels, done, end - done)
                  if (buffer.full()) yield* buffer.flush
                }
                r = end
              }
              read += batch.count
              yield* progress(read, source.labels.length)
            })
          )
        )
        yield* buffer.flush
        yield* writer.commit
      })
    )
    return metadata
  })
