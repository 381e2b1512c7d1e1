import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { tableFromIPC } from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { readEmbeddings } from "../../ml/tables/embeddings.ts"
import { readPredictions } from "../../ml/tables/predictions.ts"
import { probeStage } from "../../stages/probe.ts"
import { runStageDirectly } from "../support/run-stage.ts"
import { seedConfig } from "../support/seed-config.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { writeClusteredEmbeddings } from "./embedding-fixture.ts"

const dir = sharedTempDir("seed-probe-")

const writeSplit = (name: string, count: number, dim: number, seed: string) => writeClusteredEmbeddings(dir, name, count, dim, seed)

const method = { method: { name: "m", kind: "contrastive" as const, temperature: 0.5, projectionDim: 8 }, seed: 2 }
const config = seedConfig({ probe: { l2Grid: [1e-3, 1e-1], maxIterations: 80 }, compute: { backend: "cpu" } })

describe("probe stage", () => {
  it("declares its inputs from its own pretrain stage and its four outputs", () => {
    const stage = probeStage(method)
    expect(stage.name).toBe("probe:m@s2")
    expect(stage.inputs.test).toEqual({ stage: "pretrain:m@s2", output: "test" })
    expect(Object.keys(stage.outputs)).toEqual(["metrics", "per_class", "confusion", "predictions"])
  })

  it("writes metrics, per-class accuracy and the confusion matrix", async () => {
    const inputs = { train: await writeSplit("train", 300, 5, "a"), val: await writeSplit("val", 90, 5, "b"), test: await writeSplit("test", 150, 5, "c") }
    const stage = probeStage(method)
    const result = await Effect.runPromise(runStageDirectly(stage, stage.selectParams(config), inputs, path.join(dir, "out")))
    const metrics = tableFromIPC(fs.readFileSync(result.outputs.metrics))
    expect(metrics.schema.fields.map((f) => f.name)).toEqual(["top1", "top5", "l2", "val_top1"])
    const row = metrics.toArray()[0].toJSON()
    expect(row.top1).toBeGreaterThan(0.9)
    expect([1e-3, 1e-1]).toContain(row.l2)
    const perClass = tableFromIPC(fs.readFileSync(result.outputs.per_class)).toArray().map((r) => r.toJSON())
    expect(perClass.map((r) => [r.name, r.count])).toEqual([["x", 50], ["y", 50], ["z", 50]])
    const confusion = tableFromIPC(fs.readFileSync(result.outputs.confusion)).toArray()
    const correct = confusion.filter((r) => r.true_label === r.predicted_label).reduce((s, r) => s + r.count, 0)
    expect(correct / 150).toBeCloseTo(row.top1, 10)
    expect(result.provenance).toHaveProperty("grid")
  })

  it("writes one top-1 prediction per test image that adds up to the confusion matrix", async () => {
    const inputs = { train: await writeSplit("train-p", 300, 5, "a"), val: await writeSplit("val-p", 90, 5, "b"), test: await writeSplit("test-p", 150, 5, "c") }
    const stage = probeStage(method)
    const result = await Effect.runPromise(runStageDirectly(stage, stage.selectParams(config), inputs, path.join(dir, "out-predictions")))
    const predictions = await Effect.runPromise(readPredictions(result.outputs.predictions))
    const test = await Effect.runPromise(readEmbeddings(inputs.test))
    expect(Array.from(predictions.ids)).toEqual(Array.from(test.ids))
    expect(Array.from(predictions.labels)).toEqual(Array.from(test.labels))
    const counted = new Map<string, number>()
    predictions.labels.forEach((label, i) => {
      const cell = `${label}->${predictions.predicted[i]}`
      counted.set(cell, (counted.get(cell) ?? 0) + 1)
    })
    const confusion = tableFromIPC(fs.readFileSync(result.outputs.confusion)).toArray()
    expect(new Map(confusion.map((r) => [`${r.true_label}->${r.predicted_label}`, r.count]))).toEqual(counted)
    const top1 = tableFromIPC(fs.readFileSync(result.outputs.metrics)).toArray()[0].top1
    expect(predictions.predicted.filter((p, i) => p === predictions.labels[i]).length / 150).toBeCloseTo(top1, 12)
  })

  it("with probe.maxTrainImages, learns from that many evenly spaced train rows and says so", async () => {
    const inputs = { train: await writeSplit("train-sub", 300, 5, "a"), val: await writeSplit("val-sub", 90, 5, "b"), test: await writeSplit("test-sub", 150, 5, "c") }
    const stage = probeStage(method)
    const subsetConfig = seedConfig({ probe: { l2Grid: [1e-3, 1e-1], maxIterations: 80, maxTrainImages: 60 }, compute: { backend: "cpu" } })
    const params = stage.selectParams(subsetConfig)
    expect(params).toMatchObject({ probe: { maxTrainImages: 60 } })
    const result = await Effect.runPromise(runStageDirectly(stage, params, inputs, path.join(dir, "out-sub")))
    expect(result.provenance).toMatchObject({ trainImagesEvaluated: 60, trainImagesEmbedded: 300 })
    expect(tableFromIPC(fs.readFileSync(result.outputs.metrics)).toArray()[0].toJSON().top1).toBeGreaterThan(0.85)
    // a subset is a different evaluation: it is in the params, hence in the cache key
    expect(params).not.toEqual(stage.selectParams(config))
  })

  it("fails clearly when the splits' embedding dims differ", async () => {
    const inputs = { train: await writeSplit("t4", 30, 4, "a"), val: await writeSplit("v5", 30, 5, "b"), test: await writeSplit("s5", 30, 5, "c") }
    const stage = probeStage(method)
    const exit = await Effect.runPromiseExit(runStageDirectly(stage, stage.selectParams(config), inputs, path.join(dir, "bad")))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(exit)).toContain("ProbeInputMismatch")
  })
})
