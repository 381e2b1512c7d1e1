/** Collects single rows into fixed-size batches for an image table writer. */
import * as Effect from "effect/Effect"
import type { ImageTableError } from "./errors.ts"
import type { ImageTableWriter } from "./image-table.ts"

export interface BatchBuffer {
  /** Adds one row; returns true when the batch is full and must be flushed before the next push (no Effect per row). */
  readonly push: (id: number, label: number, pixels: Uint8Array, offset: number) => boolean
  /** Writes the rows still buffered. */
  readonly flush: Effect.Effect<void, ImageTableError>
}

export const makeBatchBuffer = (writer: ImageTableWriter, rowBytes: number, batchRows: number): BatchBuffer => {
  const ids = new Int32Array(batchRows)
  const labels = new Uint8Array(batchRows)
  const pixels = new Uint8Array(batchRows * rowBytes)
  let filled = 0
  const flush = Effect.suspend(() => {
    const count = filled
    filled = 0
    return count === 0 ? Effect.void : writer.append({ count, ids, labels, pixels })
  })
  const push = (id: number, label: number, source: Uint8Array, offset: number) => {
    ids[filled] = id
    labels[filled] = label
    pixels.set(source.subarray(offset, offset + rowBytes), filled * rowBytes)
    return ++filled === batchRows
  }
  return { push, flush }
}
