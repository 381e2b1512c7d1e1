/** Whole-file Arrow IO for the ML artifacts (all small enough to hold in memory at once). */
import { DataType, RecordBatch, Schema as ArrowSchema, Struct, Table, makeData, tableFromIPC, tableToIPC, type Data as ArrowData } from "apache-arrow"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as fsp from "node:fs/promises"

export class ArtifactIoError extends Data.TaggedError("ArtifactIoError")<{
  readonly path: string
  readonly message: string
  readonly hint?: string
}> {}

/** A one-batch table from column data, with `metadata` as JSON under the schema key `seed`. */
export const tableOf = (schema: ArrowSchema, length: number, children: ReadonlyArray<ArrowData>): Table => {
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: [...children] })
  return new Table(schema, [new RecordBatch(schema, struct)])
}

export const seedMetadata = (metadata: Record<string, unknown>) => new Map([["seed", JSON.stringify(metadata)]])

/** Writes `table` in the Arrow IPC file format. */
export const writeArrowFile = (path: string, table: Table): Effect.Effect<void, ArtifactIoError> =>
  Effect.tryPromise({
    try: () => fsp.writeFile(path, tableToIPC(table, "file")),
    catch: (e) => new ArtifactIoError({ path, message: `cannot write ${path}: ${String(e)}` })
  })

/** An artifact's declaration: its columns in order and the Schema of its `seed` metadata (schemas/artifacts.ts). */
export interface ArtifactKind<M extends { readonly kind: string }> {
  /** The `kind` its metadata records. */
  readonly kind: M["kind"]
  readonly fields: ReadonlyArray<string>
  readonly metadata: Schema.Schema<M, any>
}

/** Node reads at most 2 GiB per call (fs.readFile refuses larger files): reads go in pieces of this size. */
const readPiece = 1 << 30

/**
 * The whole file in one buffer, read in pieces: at the article's scale an embeddings table passes 2 GiB
 * (800k raw-pixel rows are 2.5 GB), which fs.readFile refuses.
 */
export const readWholeFile = async (path: string, piece = readPiece): Promise<Buffer> => {
  const handle = await fsp.open(path, "r")
  try {
    const { size } = await handle.stat()
    const bytes = Buffer.allocUnsafe(size)
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(piece, size - at), at)
      if (bytesRead === 0) throw new Error(`${path} ended at byte ${at} of ${size} (it shrank while being read)`)
      at += bytesRead
    }
    return bytes
  } finally {
    await handle.close()
  }
}

/**
 * The first number column (or list of numbers) whose value buffer is shorter than its declared length.
 * apache-arrow reads an IPC file over 2 GiB without an error, as columns of no values: without this
 * check they would be evaluated as zeros (raw pixels' probe scored chance that way at `large`'s scale).
 */
const shortColumn = (table: Table): { name: string; declared: number; decoded: number } | undefined => {
  const shortIn = (data: ArrowData): { declared: number; decoded: number } | undefined => {
    if (DataType.isInt(data.type) || DataType.isFloat(data.type)) {
      const declared = data.offset + data.length
      return data.values.length < declared ? { declared, decoded: data.values.length } : undefined
    }
    for (const child of data.children) {
      const short = shortIn(child)
      if (short !== undefined) return short
    }
    return undefined
  }
  for (const field of table.schema.fields) {
    for (const chunk of table.getChild(field.name)?.data ?? []) {
      const short = shortIn(chunk)
      if (short !== undefined) return { name: field.name, ...short }
    }
  }
  return undefined
}

/** Reads an Arrow IPC file of one artifact kind: its columns must be there and its `seed` metadata must decode. */
export const readArrowFile = <M extends { readonly kind: string }>(
  path: string,
  artifact: ArtifactKind<M>
): Effect.Effect<{ table: Table; metadata: M }, ArtifactIoError> =>
  Effect.gen(function* () {
    const bytes = yield* Effect.tryPromise({
      try: () => readWholeFile(path),
      catch: (e) => new ArtifactIoError({ path, message: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}` })
    })
    const table = yield* Effect.try({
      try: () => tableFromIPC(bytes),
      catch: (e) => new ArtifactIoError({ path, message: `${path} is not an Arrow IPC file: ${String(e)}` })
    })
    const short = shortColumn(table)
    if (short !== undefined) {
      const over2GiB = bytes.length >= 2 ** 31
      return yield* new ArtifactIoError({
        path,
        message: `${path}: column "${short.name}" declares ${short.declared} values but decodes to ${short.decoded}` +
          (over2GiB ? `: the file is ${bytes.length} bytes, and apache-arrow cannot read an Arrow file over 2 GiB` : ""),
        hint: over2GiB
          ? "keep the table under 2 GiB (fewer images or a smaller embedding), or leave that method out of the profile"
          : "rerun the stage that wrote it"
      })
    }
    const raw = yield* Effect.try({
      try: () => JSON.parse(table.schema.metadata.get("seed") ?? "null") as unknown,
      catch: () => new ArtifactIoError({ path, message: `${path}: its seed metadata is not JSON`, hint: "rerun the stage that wrote it" })
    })
    const kind = (raw as { kind?: unknown } | null)?.kind
    if (kind !== artifact.kind) {
      return yield* new ArtifactIoError({ path, message: `${path} is not a "${artifact.kind}" table (seed metadata kind: ${String(kind)})`, hint: "check the stage wiring" })
    }
    const missing = artifact.fields.filter((name) => table.getChild(name) === null)
    if (missing.length > 0) {
      return yield* new ArtifactIoError({ path, message: `${path}: missing column(s) ${missing.join(", ")}`, hint: "rerun the stage that wrote it" })
    }
    const metadata = yield* Schema.decodeUnknown(artifact.metadata)(raw).pipe(
      Effect.mapError((e) =>
        new ArtifactIoError({
          path,
          message: `${path}: unexpected seed metadata:\n${ParseResult.TreeFormatter.formatErrorSync(e)}`,
          hint: "check the stage wiring, or rerun the stage that wrote it"
        })
      )
    )
    return { table, metadata }
  })

/** A one-row table's columns as numbers (metrics tables), failing unless there is exactly one row. */
export const singleRow = (path: string, table: Table, fields: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<number>, ArtifactIoError> =>
  table.numRows === 1
    ? Effect.succeed(fields.map((name) => Number(table.getChild(name)!.get(0))))
    : Effect.fail(new ArtifactIoError({ path, message: `${path}: expected one metrics row, found ${table.numRows}`, hint: "rerun the stage that wrote it" }))

/** A column as plain numbers (Int32, Uint8, Float64 columns of the small tables). */
export const numberColumn = (table: Table, name: string): ReadonlyArray<number> =>
  Array.from(table.getChild(name)!.toArray() as ArrayLike<number | bigint>, Number)

/** The values of a primitive column as one typed array (concatenating chunks only when there are several). */
export const columnValues = <T extends Int32Array | Uint8Array | Float64Array | Float32Array>(
  table: Table,
  name: string,
  make: (length: number) => T
): T => {
  const column = table.getChild(name)
  if (column === null) throw new Error(`missing column ${name}`)
  if (column.data.length === 1) return column.data[0].values.subarray(0, column.length) as T
  const out = make(column.length)
  let offset = 0
  for (const chunk of column.data) {
    out.set(chunk.values.subarray(0, chunk.length), offset)
    offset += chunk.length
  }
  return out
}
