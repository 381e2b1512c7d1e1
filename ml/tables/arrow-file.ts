/** Whole-file Arrow IO for the ML artifacts (all small enough to hold in memory at once). */
import { RecordBatch, Schema as ArrowSchema, Struct, Table, makeData, tableFromIPC, tableToIPC, type Data as ArrowData } from "apache-arrow"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
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

/** Reads an Arrow IPC file and checks its `seed.kind` metadata. */
export const readArrowFile = (path: string, kind: string): Effect.Effect<{ table: Table; metadata: Record<string, unknown> }, ArtifactIoError> =>
  Effect.gen(function* () {
    const bytes = yield* Effect.tryPromise({
      try: () => fsp.readFile(path),
      catch: (e) => new ArtifactIoError({ path, message: `cannot read ${path}: ${String(e)}` })
    })
    const table = yield* Effect.try({
      try: () => tableFromIPC(bytes),
      catch: (e) => new ArtifactIoError({ path, message: `${path} is not an Arrow IPC file: ${String(e)}` })
    })
    const raw = table.schema.metadata.get("seed")
    const metadata = raw === undefined ? undefined : (JSON.parse(raw) as Record<string, unknown>)
    if (metadata?.kind !== kind) {
      return yield* Effect.fail(
        new ArtifactIoError({ path, message: `${path} is not a "${kind}" table (seed metadata kind: ${String(metadata?.kind)})`, hint: "check the stage wiring" })
      )
    }
    return { table, metadata }
  })

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
