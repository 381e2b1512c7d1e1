import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { tableFromIPC } from "apache-arrow"
import { describe, expect, it } from "vitest"
import { readEmbeddings, writeEmbeddings } from "../../ml/tables/embeddings.ts"
import { readHistory, writeHistory } from "../../ml/tables/history.ts"
import { writeProbeResult } from "../../ml/tables/probe-results.ts"
import { readWeights, writeWeights } from "../../ml/tables/weights.ts"
import { sharedTempDir } from "../support/temp-dir.ts"

const dir = sharedTempDir("seed-tables-")

const fieldsOf = (file: string) => {
  const table = tableFromIPC(fs.readFileSync(file))
  return { names: table.schema.fields.map((f) => f.name), meta: JSON.parse(table.schema.metadata.get("seed")!), rows: table.numRows }
}

describe("ML artifact tables", () => {
  it("round-trip embeddings with the documented columns and metadata", async () => {
    const file = path.join(dir, "emb.arrow")
    const rows = { ids: Int32Array.of(4, 9, 2), labels: Uint8Array.of(1, 0, 1), values: Float32Array.from([1, 2, 3, 4, 5, 6]), count: 3, dim: 2, method: "m", classNames: ["a", "b"] }
    await Effect.runPromise(writeEmbeddings(file, rows))
    expect(fieldsOf(file)).toMatchObject({ names: ["id", "label", "embedding"], meta: { kind: "embeddings", method: "m", dim: 2, rows: 3 }, rows: 3 })
    const back = await Effect.runPromise(readEmbeddings(file))
    expect(Array.from(back.values)).toEqual([1, 2, 3, 4, 5, 6])
    expect(Array.from(back.ids)).toEqual([4, 9, 2])
    expect(back.classNames).toEqual(["a", "b"])
  })

  it("round-trip weights (including none) and history", async () => {
    const file = path.join(dir, "w.arrow")
    const weights = [{ name: "conv0.w", shape: [1, 2], values: Float32Array.of(0.5, -1) }, { name: "conv0.b", shape: [2], values: Float32Array.of(0, 3) }]
    await Effect.runPromise(writeWeights(file, weights, { method: "m", backend: "cpu" }))
    expect(fieldsOf(file).names).toEqual(["name", "shape", "values"])
    expect(await Effect.runPromise(readWeights(file))).toEqual(weights)
    await Effect.runPromise(writeWeights(file, [], { method: "raw", backend: "none" }))
    expect(await Effect.runPromise(readWeights(file))).toEqual([])
    const hist = path.join(dir, "h.arrow")
    const history = [{ epoch: 0, loss: 1.5, seconds: 2, imagesPerSecond: 100 }]
    await Effect.runPromise(writeHistory(hist, history, "m"))
    expect(fieldsOf(hist).names).toEqual(["epoch", "loss", "seconds", "images_per_s"])
    expect(await Effect.runPromise(readHistory(hist))).toEqual(history)
  })

  it("writes probe metrics, per-class accuracy and the confusion cells", async () => {
    const paths = { metrics: path.join(dir, "m.arrow"), perClass: path.join(dir, "p.arrow"), confusion: path.join(dir, "c.arrow") }
    const result = {
      top1: 0.75, top5: 1, l2: 0.01, valTop1: 0.7, grid: [{ l2: 0.01, valTop1: 0.7 }],
      perClass: [{ label: 0, accuracy: 1, count: 2 }, { label: 1, accuracy: 0.5, count: 2 }],
      confusion: Int32Array.of(2, 0, 1, 1),
      predictions: Uint8Array.of(0, 0, 0, 1)
    }
    await Effect.runPromise(writeProbeResult(paths, result, { method: "m", kind: "contrastive", classNames: ["a", "b"] }))
    expect(fieldsOf(paths.metrics)).toMatchObject({ names: ["top1", "top5", "l2", "val_top1"], rows: 1, meta: { kind: "probe-metrics" } })
    const perClass = tableFromIPC(fs.readFileSync(paths.perClass)).toArray().map((r) => r.toJSON())
    expect(perClass).toEqual([{ label: 0, name: "a", accuracy: 1, count: 2 }, { label: 1, name: "b", accuracy: 0.5, count: 2 }])
    const cells = tableFromIPC(fs.readFileSync(paths.confusion)).toArray().map((r) => [r.true_label, r.predicted_label, r.count])
    expect(cells).toEqual([[0, 0, 2], [1, 0, 1], [1, 1, 1]])
  })
})
