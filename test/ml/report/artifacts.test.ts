import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Arrow from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { readEmbeddings, readMetrics } from "../../../ml/report/artifacts.ts"
import { sharedTempDir } from "../../support/temp-dir.ts"

const dir = sharedTempDir("report-artifacts-")

/** One record batch of embeddings `values` (rows x dim) of the given float type. */
const embeddingBatch = (firstId: number, values: Float32Array | Float64Array, dim: number, valueType: Arrow.Float = new Arrow.Float32()) => {
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
  const schema = new Arrow.Schema(fields)
  return new Arrow.RecordBatch(schema, Arrow.makeData({ type: new Arrow.Struct(fields), length: rows, children }))
}

const write = (name: string, batches: ReadonlyArray<Arrow.RecordBatch>) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, Arrow.tableToIPC(new Arrow.Table(batches[0].schema, [...batches]), "file"))
  return file
}

describe("report artifact readers", () => {
  it.effect("reads embeddings spread over several record batches in row order", () =>
    Effect.gen(function* () {
      const a = Float32Array.from({ length: 6 }, (_, i) => i)
      const b = Float32Array.from({ length: 9 }, (_, i) => 100 + i)
      const e = yield* readEmbeddings(write("two-batches.arrow", [embeddingBatch(0, a, 3), embeddingBatch(2, b, 3)]))
      expect(e.rows).toBe(5)
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
      for (const [file, reason] of [[nan, "row 1 is not finite"], [wide, "must be FixedSizeList<Float32>"]]) {
        const exit = yield* Effect.exit(readEmbeddings(file))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain(reason)
      }
    })
  )

  it.effect("rejects a metrics table that is not exactly one row", () =>
    Effect.gen(function* () {
      const column = () => Arrow.makeVector(Float64Array.of(0.5, 0.6))
      const table = new Arrow.Table({ top1: column(), top5: column(), l2: column(), val_top1: column() })
      const file = path.join(dir, "metrics.arrow")
      fs.writeFileSync(file, Arrow.tableToIPC(table, "file"))
      const exit = yield* Effect.exit(readMetrics(file))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain("expected one metrics row, found 2")
    })
  )
})
