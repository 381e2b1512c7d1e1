/**
 * Reading one JSON record of the store through its Schema. A file that is missing is `undefined`;
 * one that does not decode (torn, truncated, foreign, tampered) is `undefined` too, after a
 * one-line warning naming it: to the runner such a record is a cache miss, never a dead store.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { StoreError } from "./errors.ts"

/** Why a record file is unusable, or its decoded value. */
export type RecordRead<A> =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Invalid"; readonly reason: string }
  | { readonly _tag: "Valid"; readonly value: A }

const oneLine = (text: string, max = 200): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** "outputs.scaled.hash: Expected 64 lowercase hex digits, actual ..." for the first problem found. */
const firstIssue = (error: ParseResult.ParseError): string => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (!issue) return "it does not match the record's schema"
  const where = issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : ""
  return oneLine(`${where}${issue.message}`)
}

/** Decodes `text` as JSON of `schema`; unknown fields are kept (a newer writer may add some). */
export const decodeRecordText = <A, I>(schema: Schema.Schema<A, I>, text: string): RecordRead<A> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { _tag: "Invalid", reason: `not valid JSON (${oneLine((e as Error).message, 80)})` }
  }
  const decoded = Schema.decodeUnknownEither(schema, { onExcessProperty: "preserve", errors: "first" })(json)
  return Either.isRight(decoded)
    ? { _tag: "Valid", value: decoded.right }
    : { _tag: "Invalid", reason: firstIssue(decoded.left) }
}

/** Reads and decodes one record file (synchronously); real I/O failures throw. */
export const readRecordSync = <A, I>(schema: Schema.Schema<A, I>, file: string): RecordRead<A> => {
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOENT") return { _tag: "Missing" }
    if (code === "EISDIR") return { _tag: "Invalid", reason: "a directory stands where the record should be" }
    throw e
  }
  return decodeRecordText(schema, text)
}

/** One-line warnings, at most one per file for the life of the warner. */
export const makeRecordWarner = () => {
  const warned = new Set<string>()
  return (file: string, reason: string, consequence: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (warned.has(file)) return Effect.void
      warned.add(file)
      return Console.error(`warning: ${file} is unreadable (${reason}); ${consequence}`)
    })
}

/** `readRecordSync` as an Effect: invalid records warn once and read as undefined. */
export const readRecord = <A, I>(
  schema: Schema.Schema<A, I>,
  file: string,
  warn: ReturnType<typeof makeRecordWarner>,
  consequence = "treated as a cache miss"
): Effect.Effect<A | undefined, StoreError> =>
  Effect.try({
    try: () => readRecordSync(schema, file),
    catch: (e) => new StoreError({ message: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, hint: "check the store's permissions" })
  }).pipe(
    Effect.flatMap((read) => {
      if (read._tag === "Valid") return Effect.succeed(read.value)
      if (read._tag === "Missing") return Effect.succeed(undefined)
      return Effect.as(warn(file, read.reason, consequence), undefined)
    })
  )
