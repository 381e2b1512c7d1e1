/** Collects rows into fixed-size batches for an image table writer. */
import * as Effect from "effect/Effect"
import type { ImageTableError } from "./errors.ts"
import type { ImageTableWriter } from "./image-table.ts"

export interface BatchBuffer {
  /**
   * Adds up to `count` consecutive rows, starting at row `from` of the given columns, with one copy
   * per column; returns how many fit. The caller flushes when the batch is full and pushes the rest.
   */
  readonly pushRun: (ids: Int32Array, labels: Uint8Array, pixels: Uint8Array, from: number, count: number) => number
  /** True when the batch is full. */
  readonly full: () => boolean
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
  const pushRun = (sourceIds: Int32Array, sourceLabels: Uint8Array, source: Uint8Array, from: number, count: number) => {
    const n = Math.min(count, batchRows - filled)
    ids.set(sourceIds.subarray(from, from + n), filled)
    labels.set(sourceLabels.subarray(from, from + n), filled)
    pixels.set(source.subarray(from * rowBytes, (from + n) * rowBytes), filled * rowBytes)
    filled += n
    return n
  }
  const full = () => filled === batchRows
  return { pushRun, full, flush }
}
