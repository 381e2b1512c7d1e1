/** The `results` artifact: result rows as an Arrow IPC file, provenance in the `seed` schema metadata. */
import * as Arrow from "apache-arrow"
import { resultFields, type ResultRow } from "./results.ts"

type Column = { readonly type: Arrow.DataType; readonly nullable: boolean; readonly value: (r: ResultRow) => unknown }

const text = (value: (r: ResultRow) => string): Column => ({ type: new Arrow.Utf8(), nullable: false, value })
const float = (value: (r: ResultRow) => number): Column => ({ type: new Arrow.Float64(), nullable: false, value })
/** Null where a single seed leaves no spread to report. */
const floatOrNull = (value: (r: ResultRow) => number | null): Column => ({ type: new Arrow.Float64(), nullable: true, value })
const int = (value: (r: ResultRow) => number): Column => ({ type: new Arrow.Int32(), nullable: false, value })

/** Column name -> type and value; accuracy columns are fractions in [0, 1], `top1` the linear probe's mean over seeds. */
const columns: Record<(typeof resultFields)[number], Column> = {
  method: text((r) => r.method),
  kind: text((r) => r.kind),
  role: text((r) => r.role),
  seeds: int((r) => r.seeds),
  top1: float((r) => r.linear.mean),
  top1_std: floatOrNull((r) => r.linear.std),
  top1_ci_low: floatOrNull((r) => r.linear.low),
  top1_ci_high: floatOrNull((r) => r.linear.high),
  top5: float((r) => r.linearTop5),
  knn_top1: float((r) => r.knn.mean),
  knn_top1_std: floatOrNull((r) => r.knn.std),
  knn_top1_ci_low: floatOrNull((r) => r.knn.low),
  knn_top1_ci_high: floatOrNull((r) => r.knn.high),
  knn_top5: float((r) => r.knnTop5),
  wall_seconds: float((r) => r.wallSeconds),
  epochs: int((r) => r.epochs),
  images_per_s: floatOrNull((r) => r.imagesPerS),
  embedding_dim: int((r) => r.embeddingDim)
}

/** One row per method, columns in the order of `resultFields`. */
export const resultsTable = (rows: ReadonlyArray<ResultRow>): Arrow.Table => {
  const schema = new Arrow.Schema(
    resultFields.map((name) => new Arrow.Field(name, columns[name].type, columns[name].nullable)),
    new Map([["seed", JSON.stringify({ kind: "report-results", methods: rows.map((r) => r.method) })]])
  )
  const vectors = resultFields.map((name) => Arrow.vectorFromArray(rows.map(columns[name].value) as Array<any>, columns[name].type))
  const batch = new Arrow.RecordBatch(
    schema,
    Arrow.makeData({ type: new Arrow.Struct(schema.fields), length: rows.length, children: vectors.map((v) => v.data[0]) })
  )
  return new Arrow.Table(schema, [batch])
}

/** The bytes of `results.arrow` (IPC file format). */
export const resultsIpc = (rows: ReadonlyArray<ResultRow>): Uint8Array => Arrow.tableToIPC(resultsTable(rows), "file")
