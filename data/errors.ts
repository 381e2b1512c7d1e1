/**
 * The data layer's errors. Each names the file (or directory) and the problem, so a failed
 * ingest or split reads as one actionable line at the CLI edge.
 */
import * as Data from "effect/Data"

/** A configured path does not exist (or is not the kind of entry the source expects). */
export class SourceNotFound extends Data.TaggedError("SourceNotFound")<{
  readonly path: string
  readonly message: string
  readonly hint?: string
}> {}

/** What is wrong with a source file; tests and callers branch on it. */
export type CorruptionKind =
  | "bad-magic"
  | "dims-mismatch"
  | "truncated"
  | "label-out-of-range"
  | "count-mismatch"
  | "undecodable"
  | "bad-format"

/** A source file exists but its content is not a valid dataset of the expected form. */
export class CorruptSource extends Data.TaggedError("CorruptSource")<{
  readonly path: string
  readonly problem: CorruptionKind
  readonly message: string
  readonly hint?: string
}> {}

/** The source (after `limitPerClass`) holds no image at all. */
export class EmptyDataset extends Data.TaggedError("EmptyDataset")<{
  readonly path: string
  readonly message: string
  readonly hint?: string
}> {}

/** Split ratios that are negative or do not sum to 1. */
export class InvalidSplit extends Data.TaggedError("InvalidSplit")<{
  readonly message: string
  readonly hint?: string
}> {}

/** An image table could not be read or written (I/O failure, not an image table, metadata mismatch). */
export class ImageTableError extends Data.TaggedError("ImageTableError")<{
  readonly path: string
  readonly message: string
  readonly hint?: string
}> {}

export type DataError = SourceNotFound | CorruptSource | EmptyDataset | InvalidSplit | ImageTableError

const dataTags = new Set(["SourceNotFound", "CorruptSource", "EmptyDataset", "InvalidSplit", "ImageTableError"])

/** Narrows a thrown value to a DataError (internals throw them from async iterators). */
export const isDataError = (u: unknown): u is DataError =>
  typeof u === "object" && u !== null && dataTags.has((u as { _tag?: string })._tag ?? "")

const notFound = (path: string) =>
  new SourceNotFound({ path, message: `${path}: no such file or directory`, hint: "check dataset.path in the config" })

/** Keeps DataErrors as they are; wraps anything else (an fs error) as an error about `path`. */
export const toDataError = (path: string) => (u: unknown): DataError =>
  isDataError(u)
    ? u
    : (u as NodeJS.ErrnoException)?.code === "ENOENT"
      ? notFound((u as NodeJS.ErrnoException).path ?? path)
      : new ImageTableError({ path, message: `${path}: ${u instanceof Error ? u.message : String(u)}` })
