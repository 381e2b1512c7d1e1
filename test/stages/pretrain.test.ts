import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { tableFromIPC } from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { pretrainSlice } from "../../stages/pretrain.ts"
import { pretrainStage } from "../../stages/pretrain-kinds.ts"
import { probeStage } from "../../stages/probe.ts"
import { runStageDirectly } from "../support/run-stage.ts"
import { seedConfig } from "../support/seed-config.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { strokeImages } from "../ml/fixtures.ts"
import { writeImageSet } from "./image-fixture.ts"

const dir = sharedTempDir("seed-pretrain-")
const inputs = { train: path.join(dir, "train.arrow"), val: path.join(dir, "val.arrow"), test: path.join(dir, "test.arrow") }
beforeAll(async () => {
  await writeImageSet(inputs.train, strokeImages(96, 8, 1, 0))
  await writeImageSet(inputs.val, strokeImages(32, 8, 2, 1000))
  await writeImageSet(inputs.test, strokeImages(64, 8, 3, 2000))
})

const config = seedConfig({
  seed: 3,
  methods: [
    { name: "simclr", kind: "contrastive", projectionDim: 8, temperature: 0.5 },
    { name: "pixels", kind: "raw-pixels" },
    { name: "exploding", kind: "autoencoder", learningRate: 1e9 },
    { name: "untrained", kind: "random-encoder" }
  ],
  encoder: { widths: [4, 8], embeddingDim: 8 },
  training: { epochs: 2, batchSize: 16, learningRate: 3e-3 },
  augment: { flip: false, cropScale: [0.8, 1] },
  compute: { backend: "cpu" },
  probe: { l2Grid: [1e-3, 1e-1], maxIterations: 60 }
})
/** The run of method `name` at training seed 3 (raw pixels: at none). */
const method = (name: string, seed = 3) => {
  const m = config.methods.find((m) => m.name === name)!
  return { method: m, seed: m.kind === "raw-pixels" ? null : seed }
}
const run = (stage: ReturnType<typeof pretrainStage>, out: string) =>
  Effect.runPromise(runStageDirectly(stage, stage.selectParams(config), inputs, path.join(dir, out)))

describe("pretrain stage", () => {
  it("declares the contract: name, heavy, split inputs, five outputs", () => {
    const stage = pretrainStage(method("simclr"))
    expect(stage.name).toBe("pretrain:simclr@s3")
    expect(pretrainStage(method("pixels")).name).toBe("pretrain:pixels")
    expect(stage.heavy).toBe(true)
    expect(stage.inputs.train).toEqual({ stage: "split", output: "train" })
    expect(Object.keys(stage.outputs).sort()).toEqual(["encoder", "history", "test", "train", "val"])
  })

  it("selects only the slices a kind reads, and only its own method entry", () => {
    // raw pixels do not depend on a seed: no seed in their params, so no seed change reruns them
    expect(Object.keys(pretrainSlice(config, "pixels", null) as object).sort()).toEqual(["method"])
    const slice = pretrainSlice(config, "simclr", 1) as { seed: number; method: { name: string }; augment: unknown }
    expect(slice.seed).toBe(1)
    expect(slice.method.name).toBe("simclr")
    expect(slice.augment).toEqual(config.augment)
    // the untrained encoder draws no augmentation and does not train: an augmentation, epoch or rate change
    // leaves it cached; it reads only the batch size it embeds at
    const untrained = pretrainSlice(config, "untrained", 1) as { embedBatchSize: number }
    expect(Object.keys(untrained).sort()).toEqual(["compute", "embedBatchSize", "encoder", "method", "seed"])
    expect(untrained.embedBatchSize).toBe(config.training.batchSize)
  })

  it("trains SimCLR, writes all artifacts, and the probe on its embeddings beats chance", async () => {
    const result = await run(pretrainStage(method("simclr")), "simclr")
    expect(result.provenance).toMatchObject({ backend: "cpu" })
    expect(result.progress.at(-1)).toMatchObject({ done: 12, total: 12 })
    const history = tableFromIPC(fs.readFileSync(result.outputs.history))
    expect(history.numRows).toBe(2)
    const embeddings = tableFromIPC(fs.readFileSync(result.outputs.test))
    expect(embeddings.numRows).toBe(64)
    expect(JSON.parse(embeddings.schema.metadata.get("seed")!)).toMatchObject({ kind: "embeddings", method: "simclr", dim: 8 })
    const weights = tableFromIPC(fs.readFileSync(result.outputs.encoder))
    expect(weights.toArray().map((r) => r.name)).toEqual(["conv0.w", "conv0.b", "conv1.w", "conv1.b"])

    const probe = probeStage(method("simclr"))
    const probed = await Effect.runPromise(
      runStageDirectly(probe, probe.selectParams(config), { train: result.outputs.train, val: result.outputs.val, test: result.outputs.test }, path.join(dir, "probe"))
    )
    const metrics = tableFromIPC(fs.readFileSync(probed.outputs.metrics)).toArray()[0].toJSON()
    expect(metrics.top1).toBeGreaterThan(0.6) // 4 classes: chance is 0.25
    expect(metrics.top5).toBe(1)
    const perClass = tableFromIPC(fs.readFileSync(probed.outputs.per_class)).toArray().map((r) => r.name)
    expect(perClass).toEqual(["hbar", "vbar", "box", "diag"])
    const confusion = tableFromIPC(fs.readFileSync(probed.outputs.confusion)).toArray()
    expect(confusion.reduce((s, r) => s + r.count, 0)).toBe(64)
  })

  it("raw-pixels: pixels / 255 as embeddings, no weights, no history", async () => {
    const result = await run(pretrainStage(method("pixels")), "pixels")
    const test = tableFromIPC(fs.readFileSync(result.outputs.test))
    expect(JSON.parse(test.schema.metadata.get("seed")!).dim).toBe(64)
    expect(tableFromIPC(fs.readFileSync(result.outputs.encoder)).numRows).toBe(0)
    expect(tableFromIPC(fs.readFileSync(result.outputs.history)).numRows).toBe(0)
  })

  it("random-encoder: the training seed draws the init, so two seeds give two encoders", async () => {
    const weightsOf = async (seed: number) => {
      const result = await run(pretrainStage(method("untrained", seed)), `untrained-${seed}`)
      return fs.readFileSync(result.outputs.encoder)
    }
    const [a, b, again] = [await weightsOf(0), await weightsOf(1), await weightsOf(0)]
    expect(a.equals(b)).toBe(false)
    expect(a.equals(again)).toBe(true)
  })

  it("stops with TrainingDiverged and writes no artifact", async () => {
    const stage = pretrainStage(method("exploding"))
    const out = path.join(dir, "exploding")
    const exit = await Effect.runPromiseExit(runStageDirectly(stage, stage.selectParams(config), inputs, out))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(exit)).toContain("TrainingDiverged")
    expect(fs.readdirSync(out).filter((f) => !f.startsWith(".scratch"))).toEqual([])
  })
})
