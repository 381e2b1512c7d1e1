/** The `results` artifact: result rows as an Arrow IPC file, provenance in the `seed` schema metadata. */
import * as Arrow from "apache-arrow"
import type { ResultRow } from "./results.ts"

/** One row per method, columns in the order of `resultFields`. */
export const resultsTable = (rows: ReadonlyArray<ResultRow>): Arrow.Table => {
  const schema = new Arrow.Schema(
    [
      new Arrow.Field("method", new Arrow.Utf8(), false),
      new Arrow.Field("kind", new Arrow.Utf8(), false),
      new Arrow.Field("role", new Arrow.Utf8(), false),
      new Arrow.Field("top1", new Arrow.Float64(), false),
      new Arrow.Field("top5", new Arrow.Float64(), false),
      new Arrow.Field("wall_seconds", new Arrow.Float64(), false),
      new Arrow.Field("epochs", new Arrow.Int32(), false),
      new Arrow.Field("images_per_s", new Arrow.Float64(), true),
      new Arrow.Field("embedding_dim", new Arrow.Int32(), false)
    ],
    new Map([["seed", JSON.stringify({ kind: "report-results", methods: rows.map((r) => r.method) })]])
  )
  const column = <T extends Arrow.DataType>(index: number, values: ReadonlyArray<unknown>) =>
    Arrow.vectorFromArray(values as Array<T["TValue"] | null>, schema.fields[index].type as T)
  const vectors = [
    column(0, rows.map((r) => r.method)),
    column(1, rows.map((r) => r.kind)),
    column(2, rows.map((r) => r.role)),
    column(3, rows.map((r) => r.top1)),
    column(4, rows.map((r) => r.top5)),
    column(5, rows.map((r) => r.wallSeconds)),
    column(6, rows.map((r) => r.epochs)),
    column(7, rows.map((r) => r.imagesPerS)),
    column(8, rows.map((r) => r.embeddingDim))
  ]
  const batch = new Arrow.RecordBatch(
    schema,
    Arrow.makeData({ type: new Arrow.Struct(schema.fields), length: rows.length, children: vectors.map((v) => v.data[0]) })
  )
  return new Arrow.Table(schema, [batch])
}

/** The bytes of `results.arrow` (IPC file format). */
export const resultsIpc = (rows: ReadonlyArray<ResultRow>): Uint8Array => Arrow.tableToIPC(resultsTable(rows), "file")
