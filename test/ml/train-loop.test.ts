import * as tf from "@tensorflow/tfjs-core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { makeEncoder } from "../../ml/encoder.ts"
import { makeMethod } from "../../ml/methods/registry.ts"
import { pretrain } from "../../ml/pretrain.ts"
import { makeRng } from "../../data/random.ts"
import { snapshotParams } from "../../ml/tables/weights.ts"
import { learningRateAt, trainLoop } from "../../ml/train-loop.ts"
import type { EpochRecord } from "../../schemas/artifacts.ts"
import { disposeParams } from "../../ml/weights.ts"
import { AugmentConfig, MethodConfig, type TrainedMethodConfig } from "../../schemas/methods.ts"
import { strokeImages, useCpu } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

beforeAll(useCpu)

const augment = Schema.decodeSync(AugmentConfig)({ flip: false })
const method = (raw: unknown) => Schema.decodeUnknownSync(MethodConfig)(raw)
const encoderConfig = { widths: [4, 8] as const, embeddingDim: 8 }

describe("trainLoop", () => {
  it("keeps tf.memory().numTensors flat across steps and releases everything after", async () => {
    const images = strokeImages(32, 8)
    const start = tf.memory().numTensors
    const encoder = makeEncoder({ widths: [4, 8], embeddingDim: 8 }, images.shape, makeRng(1))
    const trainable = makeMethod(method({ name: "c", kind: "contrastive", projectionDim: 4 }) as TrainedMethodConfig, {
      encoder,
      rng: makeRng(2),
      classCount: 4
    })
    const counts: Array<number> = []
    const history = await Effect.runPromise(
      trainLoop({
        images, encoder, method: trainable, epochs: 2, batchSize: 8, learningRate: 1e-3, augment, rng: makeRng(3),
        onStep: () => Effect.sync(() => void counts.push(tf.memory().numTensors))
      })
    )
    expect(counts).toHaveLength(8)
    // Adam creates its moment tensors on the first step; from then on nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1)
    expect(history.map((h) => h.epoch)).toEqual([0, 1])
    for (const h of history) {
      expect(Number.isFinite(h.loss)).toBe(true)
      expect(h.imagesPerSecond).toBeGreaterThan(0)
    }
    disposeParams(trainable.heads)
    disposeParams(encoder.params)
    expect(tf.memory().numTensors).toBe(start)
  })

  it("fails with TrainingDiverged (message + hint) on an exploding learning rate", async () => {
    const splits = { train: strokeImages(32, 8), val: strokeImages(8, 8, 2), test: strokeImages(8, 8, 3) }
    const before = tf.memory().numTensors
    const exit = await Effect.runPromiseExit(
      pretrain({
        seed: 1,
        method: method({ name: "s", kind: "supervised", learningRate: 1e9 }) as TrainedMethodConfig,
        makeMethod,
        encoder: encoderConfig,
        training: { epochs: 5, batchSize: 8, learningRate: 1e-3 },
        augment,
        splits
      })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      const error = exit.cause.error
      expect(error._tag).toBe("TrainingDiverged")
      expect(error.message).toContain("pretrain:s")
      expect(error.message).toContain("1000000000")
      expect("hint" in error && error.hint).toContain("learning rate")
    } else expect.fail(`expected a TrainingDiverged failure, got ${String(exit)}`)
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("pretrain determinism", () => {
  it("gives byte-identical weights and embeddings for the same seed, different ones for another", async () => {
    const splits = { train: strokeImages(24, 8), val: strokeImages(8, 8, 2), test: strokeImages(8, 8, 3) }
    const run = (seed: number) =>
      Effect.runPromise(
        pretrain({
          seed,
          method: method({ name: "dim", kind: "infomax", localLayer: 0, discriminatorDim: 4, alpha: 0.5 }) as TrainedMethodConfig,
          makeMethod,
          encoder: encoderConfig,
          training: { epochs: 2, batchSize: 8, learningRate: 1e-3 },
          augment,
          splits
        })
      )
    const [a, b, c] = [await run(5), await run(5), await run(6)]
    const bytes = (r: typeof a) => Buffer.concat([...r.weights.map((w) => Buffer.from(w.values.buffer)), Buffer.from(r.embeddings.test.values.buffer)])
    expect(bytes(a).equals(bytes(b))).toBe(true)
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss))
    expect(bytes(a).equals(bytes(c))).toBe(false)
  })
})

describe("learningRateAt", () => {
  it("is the rate throughout when constant, and half a cosine from the rate towards 0 when cosine", () => {
    expect([0, 5, 9].map((step) => learningRateAt("constant", 0.1, step, 10))).toEqual([0.1, 0.1, 0.1])
    expect(learningRateAt(undefined, 0.1, 7, 10)).toBe(0.1)
    expect(learningRateAt("cosine", 0.1, 0, 10)).toBeCloseTo(0.1, 12)
    expect(learningRateAt("cosine", 0.1, 5, 10)).toBeCloseTo(0.05, 12)
    expect(learningRateAt("cosine", 0.1, 9, 10)).toBeCloseTo(0.1 * 0.5 * (1 + Math.cos((Math.PI * 9) / 10)), 12)
    const rates = Array.from({ length: 10 }, (_, step) => learningRateAt("cosine", 0.1, step, 10))
    rates.slice(1).forEach((rate, i) => expect(rate).toBeLessThan(rates[i]))
    expect(rates.at(-1)).toBeGreaterThan(0)
  })
})

describe("epoch checkpoints", () => {
  // 5 steps per epoch: after 5 Adam steps the running beta2 power and the pow() that tfjs's
  // setWeights recomputes differ in the last bit, so a resume must restore the saved one.
  const images = strokeImages(40, 8)
  // infomax with prior matching: its loss samples random numbers, which a resumed run must redraw alike
  const config = method({ name: "d", kind: "infomax", gamma: 0.1, localLayer: 0, discriminatorDim: 8 }) as TrainedMethodConfig

  /** Trains 3 epochs of 5 steps; returns the exit, the final weights (encoder, then heads) and resume calls. */
  const train = async (options: { checkpointDir?: string; stopAtStep?: number; checkpointEverySteps?: number; schedule?: "cosine" }) => {
    const encoder = makeEncoder(encoderConfig, images.shape, makeRng(1))
    const trainable = makeMethod(config, { encoder, rng: makeRng(2), classCount: 4 })
    const resumedAfter: Array<number> = []
    const exit = await Effect.runPromiseExit(
      trainLoop({
        images, encoder, method: trainable, epochs: 3, batchSize: 8, learningRate: 1e-2, augment, rng: makeRng(3),
        schedule: options.schedule,
        checkpointDir: options.checkpointDir,
        checkpointEverySteps: options.checkpointEverySteps,
        onStep: (step) => (step === options.stopAtStep ? Effect.interrupt : Effect.void),
        onResume: (epochs, steps) => Effect.sync(() => void resumedAfter.push(steps > 0 ? epochs + steps / 100 : epochs))
      })
    )
    const weights = [...snapshotParams(encoder.params), ...snapshotParams(trainable.heads)]
    disposeParams(trainable.heads)
    disposeParams(encoder.params)
    return { exit, weights, resumedAfter }
  }
  const losses = (exit: Exit.Exit<ReadonlyArray<EpochRecord>, unknown>) =>
    Exit.isSuccess(exit) ? exit.value.map((h) => [h.epoch, h.loss]) : expect.fail(`training failed: ${String(exit)}`)

  it("resumes an interrupted run after its last finished epoch and ends with the same bytes", async () => {
    const reference = await train({})
    const dir = tempDir("seed-checkpoint-")
    const interrupted = await train({ checkpointDir: dir, stopAtStep: 7 })
    expect(Exit.isInterrupted(interrupted.exit)).toBe(true)
    expect(fs.readdirSync(dir)).toEqual(["epoch-00001"])

    const before = tf.memory().numTensors
    const resumed = await train({ checkpointDir: dir })
    expect(tf.memory().numTensors).toBe(before)
    expect(resumed.resumedAfter).toEqual([1])
    expect(losses(resumed.exit)).toEqual(losses(reference.exit))
    expect(resumed.weights.map((w) => w.name)).toEqual(reference.weights.map((w) => w.name))
    resumed.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer)).toEqual(Buffer.from(reference.weights[i].values.buffer)))
    expect(fs.readdirSync(dir)).toEqual(["epoch-00003"])
  })

  it("with checkpointEverySteps, resumes inside an epoch and ends with the same bytes", async () => {
    const reference = await train({})
    const dir = tempDir("seed-checkpoint-")
    // step 9 is the 4th of epoch 1: the last checkpoint is after its 2nd step (every 2 steps)
    const interrupted = await train({ checkpointDir: dir, stopAtStep: 9, checkpointEverySteps: 2 })
    expect(Exit.isInterrupted(interrupted.exit)).toBe(true)
    expect(fs.readdirSync(dir)).toEqual(["epoch-00001-step-0000002"])
    const resumed = await train({ checkpointDir: dir, checkpointEverySteps: 2 })
    expect(resumed.resumedAfter).toEqual([1.02])
    expect(losses(resumed.exit)).toEqual(losses(reference.exit))
    resumed.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer)).toEqual(Buffer.from(reference.weights[i].values.buffer)))
    expect(fs.readdirSync(dir)).toEqual(["epoch-00003"])
  })

  it("with a cosine schedule, resumes inside an epoch at the same rates: same bytes, and not constant's", async () => {
    const [constant, reference] = [await train({}), await train({ schedule: "cosine" })]
    expect(losses(reference.exit)).not.toEqual(losses(constant.exit))
    const dir = tempDir("seed-checkpoint-")
    await train({ checkpointDir: dir, stopAtStep: 9, checkpointEverySteps: 2, schedule: "cosine" })
    const resumed = await train({ checkpointDir: dir, checkpointEverySteps: 2, schedule: "cosine" })
    expect(resumed.resumedAfter).toEqual([1.02])
    expect(losses(resumed.exit)).toEqual(losses(reference.exit))
    resumed.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer)).toEqual(Buffer.from(reference.weights[i].values.buffer)))
  })

  it("starts over when the newest checkpoint is unreadable, with the same result", async () => {
    const reference = await train({})
    const dir = tempDir("seed-checkpoint-")
    await train({ checkpointDir: dir, stopAtStep: 12 })
    fs.writeFileSync(path.join(dir, "epoch-00002", "state.arrow"), "truncated")
    const restarted = await train({ checkpointDir: dir })
    expect(restarted.resumedAfter).toEqual([])
    expect(losses(restarted.exit)).toEqual(losses(reference.exit))
    restarted.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer)).toEqual(Buffer.from(reference.weights[i].values.buffer)))
  })
})
