import * as Effect from "effect/Effect"
import { tableFromIPC } from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { readPredictions } from "../../ml/tables/predictions.ts"
import { knnStage } from "../../stages/knn.ts"
import { runStageDirectly } from "../support/run-stage.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { writeClusteredEmbeddings } from "./embedding-fixture.ts"
import { computeSlice } from "../../stages/compute.ts"
import { seedConfig } from "../support/seed-config.ts"

const dir = sharedTempDir("seed-knn-")

const writeSplit = (name: string, count: number, seed: string) => writeClusteredEmbeddings(dir, name, count, 5, seed, 500)

const run = { method: { name: "m", kind: "autoencoder" as const, loss: "bce" as const }, seed: 1 }
const config = seedConfig({ knn: { kGrid: [3, 10], temperature: 0.1 }, compute: { backend: "cpu" } })

describe("knn stage", () => {
  it("is named per method and seed and reads that pretrain run's embeddings", () => {
    const stage = knnStage(run)
    expect(stage.name).toBe("knn:m@s1")
    expect(stage.inputs.val).toEqual({ stage: "pretrain:m@s1", output: "val" })
    expect(knnStage({ method: { name: "pixels", kind: "raw-pixels" }, seed: null }).name).toBe("knn:pixels")
    expect(Object.keys(stage.outputs)).toEqual(["metrics", "predictions"])
    // compute: the backend resolved on this machine, with its threads (part of the cache key)
    const defaults = seedConfig()
    expect(stage.selectParams(defaults)).toEqual({ method: { name: "m", kind: "autoencoder" }, knn: defaults.knn, compute: computeSlice(defaults) })
  })

  it("writes metrics with the k chosen on val and one prediction per test image", async () => {
    const inputs = { train: await writeSplit("train", 240, "a"), val: await writeSplit("val", 60, "b"), test: await writeSplit("test", 90, "c") }
    const stage = knnStage(run)
    const result = await Effect.runPromise(runStageDirectly(stage, stage.selectParams(config), inputs, path.join(dir, "out")))
    const metrics = tableFromIPC(fs.readFileSync(result.outputs.metrics))
    expect(metrics.schema.fields.map((f) => f.name)).toEqual(["top1", "top5", "k", "val_top1"])
    const row = metrics.toArray()[0].toJSON()
    expect(row.top1).toBeGreaterThan(0.9)
    expect([3, 10]).toContain(row.k)
    expect(JSON.parse(metrics.schema.metadata.get("seed")!)).toMatchObject({ kind: "knn-metrics", method: "m", temperature: 0.1 })
    const predictions = await Effect.runPromise(readPredictions(result.outputs.predictions))
    expect(predictions.ids[0]).toBe(500)
    const right = predictions.predicted.filter((p, i) => p === predictions.labels[i]).length
    expect(right / 90).toBeCloseTo(row.top1, 10)
    expect(result.provenance).toHaveProperty("grid")
  })
})
