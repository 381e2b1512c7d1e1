import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Arrow from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { readEmbeddings } from "../../ml/tables/embeddings.ts"
import { readProbeMetrics } from "../../ml/tables/probe-results.ts"
import { readWholeFile } from "../../ml/tables/arrow-file.ts"
import { sharedTempDir } from "../support/temp-dir.ts"

const dir = sharedTempDir("artifact-readers-")
const seed = (metadata: unknown) => new Map([["seed", JSON.stringify(metadata)]])

/** One record batch of embeddings `values` (rows x dim) of the given float type. */
const embeddingBatch = (firstId: number, values: Float32Array | Float64Array, dim: number, valueType: Arrow.Float = new Arrow.Float32(), rowsInFile = values.length / dim) => {
  const rows = values.length / dim
  const listType = new Arrow.FixedSizeList(dim, new Arrow.Field("item", valueType, false))
  const fields = [
    new Arrow.Field("id", new Arrow.Int32(), false),
    new Arrow.Field("label", new Arrow.Uint8(), false),
    new Arrow.Field("embedding", listType, false)
  ]
  const children = [
    Arrow.makeData({ type: new Arrow.Int32(), length: rows, data: Int32Array.from({ length: rows }, (_, i) => firstId + i) }),
    Arrow.makeData({ type: new Arrow.Uint8(), length: rows, data: Uint8Array.from({ length: rows }, (_, i) => (firstId + i) % 10) }),
    Arrow.makeData({ type: listType, length: rows, child: Arrow.makeData({ type: valueType, length: values.length, data: values }) })
  ]
  const schema = new Arrow.Schema(fields, seed({ kind: "embeddings", method: "m", dim, rows: rowsInFile, classNames: [] }))
  return new Arrow.RecordBatch(schema, Arrow.makeData({ type: new Arrow.Struct(fields), length: rows, children }))
}

const write = (name: string, batches: ReadonlyArray<Arrow.RecordBatch>) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, Arrow.tableToIPC(new Arrow.Table(batches[0].schema, [...batches]), "file"))
  return file
}

describe("artifact readers", () => {
  it.effect("reads embeddings spread over several record batches in row order", () =>
    Effect.gen(function* () {
      const a = Float32Array.from({ length: 6 }, (_, i) => i)
      const b = Float32Array.from({ length: 9 }, (_, i) => 100 + i)
      const e = yield* readEmbeddings(write("two-batches.arrow", [embeddingBatch(0, a, 3, undefined, 5), embeddingBatch(2, b, 3, undefined, 5)]))
      expect(e.count).toBe(5)
      expect(e.dim).toBe(3)
      expect(Array.from(e.values)).toEqual([...a, ...b])
      expect(Array.from(e.ids)).toEqual([0, 1, 2, 3, 4])
      expect(Array.from(e.labels)).toEqual([0, 1, 2, 3, 4])
    })
  )

  it.effect("rejects non-finite and non-Float32 embeddings with the file named", () =>
    Effect.gen(function* () {
      const nan = write("nan.arrow", [embeddingBatch(0, Float32Array.of(1, 2, NaN, 4), 2)])
      const wide = write("f64.arrow", [embeddingBatch(0, Float64Array.of(1, 2, 3, 4), 2, new Arrow.Float64())])
      for (const [file, reason] of [[nan, "row 1 is not finite"], [wide, "must be FixedSizeList<Float32>(2)"]]) {
        const exit = yield* Effect.exit(readEmbeddings(file))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain(reason)
      }
    })
  )

  it.effect("rejects a table whose columns decode to fewer values than its rows (apache-arrow over 2 GiB), naming the column", () =>
    Effect.gen(function* () {
      // a record batch that declares 4 rows over value buffers of 2: what apache-arrow hands back for a file over 2 GiB
      const listType = new Arrow.FixedSizeList(2, new Arrow.Field("item", new Arrow.Float32(), false))
      const fields = [new Arrow.Field("id", new Arrow.Int32(), false), new Arrow.Field("label", new Arrow.Uint8(), false), new Arrow.Field("embedding", listType, false)]
      const children = [
        Arrow.makeData({ type: new Arrow.Int32(), length: 4, data: Int32Array.of(0, 1) }),
        Arrow.makeData({ type: new Arrow.Uint8(), length: 4, data: Uint8Array.of(0, 1, 2, 3) }),
        Arrow.makeData({ type: listType, length: 4, child: Arrow.makeData({ type: new Arrow.Float32(), length: 8, data: new Float32Array(8) }) })
      ]
      const schema = new Arrow.Schema(fields, seed({ kind: "embeddings", method: "m", dim: 2, rows: 4, classNames: [] }))
      const file = write("short.arrow", [new Arrow.RecordBatch(schema, Arrow.makeData({ type: new Arrow.Struct(fields), length: 4, children }))])
      const exit = yield* Effect.exit(readEmbeddings(file))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain('column \\"id\\" declares 4 values but decodes to 2')
      // the same table whole reads
      children[0] = Arrow.makeData({ type: new Arrow.Int32(), length: 4, data: Int32Array.of(0, 1, 2, 3) })
      const whole = write("whole.arrow", [new Arrow.RecordBatch(schema, Arrow.makeData({ type: new Arrow.Struct(fields), length: 4, children }))])
      expect((yield* readEmbeddings(whole)).count).toBe(4)
    })
  )

  it.effect("rejects a metrics table that is not exactly one row", () =>
    Effect.gen(function* () {
      const column = () => Arrow.makeVector(Float64Array.of(0.5, 0.6))
      const columns = new Arrow.Table({ top1: column(), top5: column(), l2: column(), val_top1: column() })
      const table = new Arrow.Table(new Arrow.Schema(columns.schema.fields, seed({ kind: "probe-metrics", method: "m", methodKind: "autoencoder", grid: [] })), columns.batches)
      const file = path.join(dir, "metrics.arrow")
      fs.writeFileSync(file, Arrow.tableToIPC(table, "file"))
      const exit = yield* Effect.exit(readProbeMetrics(file))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain("expected one metrics row, found 2")
    })
  )

  it.effect("rejects a table of another kind, or with a column missing, naming the file", () =>
    Effect.gen(function* () {
      const column = () => Arrow.makeVector(Float64Array.of(0.5))
      const write1 = (name: string, columns: Record<string, Arrow.Vector>, metadata: unknown) => {
        const t = new Arrow.Table(columns)
        const file = path.join(dir, name)
        fs.writeFileSync(file, Arrow.tableToIPC(new Arrow.Table(new Arrow.Schema(t.schema.fields, seed(metadata)), t.batches), "file"))
        return file
      }
      const probeMetadata = { kind: "probe-metrics", method: "m", methodKind: "autoencoder", grid: [] }
      const knn = write1("knn.arrow", { top1: column(), top5: column(), k: column(), val_top1: column() }, { kind: "knn-metrics", method: "m" })
      const missing = write1("missing.arrow", { top1: column(), top5: column(), val_top1: column() }, probeMetadata)
      for (const [file, reason] of [[knn, 'not a \\"probe-metrics\\" table (seed metadata kind: knn-metrics)'], [missing, "missing column(s) l2"]]) {
        const exit = yield* Effect.exit(readProbeMetrics(file))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          expect(JSON.stringify(exit.cause)).toContain(reason)
          expect(JSON.stringify(exit.cause)).toContain(file)
        }
      }
    })
  )

  it("reads a file in pieces to the same bytes (Node reads at most 2 GiB per call)", async () => {
    const file = path.join(dir, "pieces.bin")
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251)
    fs.writeFileSync(file, bytes)
    for (const piece of [1, 7, 999, 1000, 4096]) expect(new Uint8Array(await readWholeFile(file, piece))).toEqual(bytes)
  })
})
