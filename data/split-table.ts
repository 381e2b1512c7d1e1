/**
 * Split: streams an ingest image table once and routes each row to the train, val or test table
 * chosen by the stratified plan. Rows keep their ingest ids and input order within each split.
 */
import * as Effect from "effect/Effect"
import { makeBatchBuffer } from "./batch-buffer.ts"
import { ImageTableError, type DataError } from "./errors.ts"
import { rowBytesOf, type ImageTableMetadata } from "./image-metadata.ts"
import { defaultBatchRows } from "./image-source.ts"
import { forEachImageBatch, makeImageTableWriter, readImageMetadataEffect } from "./image-table.ts"
import { checkRatios, planSplit, splitNames, type SplitName, type SplitRatios } from "./stratified-split.ts"

export interface SplitOptions {
  readonly batchRows?: number
  readonly onProgress?: (done: number, total: number) => Effect.Effect<void>
}

/** Writes the three split tables; returns each one's metadata. */
export const splitImageTable = (
  inputPath: string,
  outputs: Readonly<Record<SplitName, string>>,
  params: SplitRatios & { readonly seed: number },
  options: SplitOptions = {}
): Effect.Effect<Record<SplitName, ImageTableMetadata>, DataError> =>
  Effect.gen(function* () {
    const ratios = { train: params.train, val: params.val, test: params.test }
    const invalid = checkRatios(ratios)
    if (invalid) return yield* Effect.fail(invalid)
    const input = yield* readImageMetadataEffect(inputPath)
    const plan = planSplit(input.classCounts, ratios, params.seed)
    const metadataOf = (name: SplitName, s: number): ImageTableMetadata => {
      const classCounts = [...plan.counts[s]]
      const split = { name, ratio: ratios[name], seed: params.seed, inputRows: input.rows }
      return { ...input, rows: classCounts.reduce((a, b) => a + b, 0), classCounts, split }
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
        const rank = new Array<number>(input.classNames.length).fill(0)
        let route = new Uint8Array(0)
        let done = 0
        yield* forEachImageBatch(inputPath, (batch) =>
          Effect.gen(function* () {
            if (route.length < batch.count) route = new Uint8Array(batch.count)
            for (let r = 0; r < batch.count; r++) {
              const c = batch.labels[r]
              const assign = plan.assignment[c]
              if (assign === undefined || rank[c] >= assign.length)
                return yield* Effect.fail(
                  new ImageTableError({ path: inputPath, message: `${inputPath}: row ${done + r} (label ${c}) exceeds the class counts in its metadata` })
                )
              route[r] = assign[rank[c]++]
            }
            // Consecutive rows bound for the same split move with one copy per column.
            for (let r = 0; r < batch.count; ) {
              let end = r + 1
              while (end < batch.count && route[end] === route[r]) end++
              const { buffer } = buffers[route[r]]
              for (let from = r; from < end; ) {
                from += buffer.pushRun(batch.ids, batch.labels, batch.pixels, from, end - from)
                if (buffer.full()) yield* buffer.flush
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
