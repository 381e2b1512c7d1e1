/**
 * The native set's element-wise kernels (Softplus, Sigmoid, Relu on oneDNN) and the one-pass ReLU
 * gradient, against tfjs's cpu backend; on plain wasm the ReLU gradient stays tfjs-core's. Skipped
 * (saying why) without libdnnl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { cachedEltwisePlans, eltwiseRuns } from "../../../ml/onednn/eltwise.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { makeRng } from "../../../ml/random.ts"

const onednn = probeOneDnn()
const title = (name: string) => (onednn.available ? name : `${name} (skipped: ${onednn.reason})`)

type Op = "softplus" | "sigmoid" | "relu"
const apply = (op: Op, x: tf.Tensor): tf.Tensor => (op === "softplus" ? tf.softplus(x) : op === "sigmoid" ? tf.sigmoid(x) : tf.relu(x))

/** y = op(x) and d/dx sum(op(x) * r) on `backend`, for x spread over [-scale, scale] with exact zeros among them. */
const evaluate = async (backend: string, op: Op, shape: Array<number>, scale: number) => {
  await tf.setBackend(backend)
  const rng = makeRng(`${op}-${shape}`)
  const count = shape.reduce((a, b) => a * b, 1)
  return tf.tidy(() => {
    const x = tf.tensor(Float32Array.from({ length: count }, (_, i) => (i % 7 === 0 ? 0 : rng.normal() * scale)), shape)
    const r = tf.tensor(Float32Array.from({ length: count }, () => rng.normal()), shape)
    const [g] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(apply(op, a), r)))([x])
    return [apply(op, x), g].map((t) => t.dataSync() as Float32Array)
  })
}

const maxError = (expected: Float32Array, actual: Float32Array): number =>
  expected.reduce((worst, v, i) => Math.max(worst, Math.abs(v - actual[i]) / Math.max(1, Math.abs(v))), 0)

describe.skipIf(!onednn.available)(title("native element-wise kernels vs the cpu backend"), () => {
  beforeAll(async () => { await selectBackend("native", { threads: 2 }) })
  afterAll(async () => { await tf.setBackend("wasm") })

  const cases: Array<[Op, Array<number>, number]> = [
    ["softplus", [64, 49, 64], 8], // DIM's scores, saturating both ways
    ["softplus", [3, 5], 30],
    ["sigmoid", [33, 17], 10],
    ["relu", [2, 28, 28, 16], 1],
    ["relu", [7], 1]
  ]
  it.each(cases)("%s %j (x up to %d): value and gradient within 1e-5 (relative, or absolute below 1)", async (op, shape, scale) => {
    const expected = await evaluate("cpu", op, shape, scale)
    const runs = eltwiseRuns()
    const actual = await evaluate("wasm", op, shape, scale)
    expect(eltwiseRuns()).toBeGreaterThan(runs)
    expected.forEach((e, i) => expect(maxError(e, actual[i])).toBeLessThan(1e-5))
  })

  it("the ReLU gradient passes dy exactly where x > 0 and gives 0 elsewhere, x = 0 included", async () => {
    await tf.setBackend("wasm")
    const [g] = tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), tf.tensor([0.5, 2, 3, -4]))))([tf.tensor([-1, 0, 1e-30, 5])]).map((t) => Array.from(t.dataSync())))
    expect(g).toEqual([0, 0, 3, -4])
  })

  it("caches one plan per function and size: repeated steps add none", async () => {
    await tf.setBackend("wasm")
    const x = tf.randomNormal([16, 9])
    const step = () => tf.dispose(tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.softplus(tf.relu(a))))([x])))
    step()
    const plans = cachedEltwisePlans(), tensors = tf.memory().numTensors, ids = tf.backend().numDataIds()
    for (let i = 0; i < 50; i++) step()
    expect(cachedEltwisePlans()).toBe(plans)
    expect(tf.memory().numTensors).toBe(tensors)
    expect(tf.backend().numDataIds()).toBe(ids)
    x.dispose()
  })
})

describe("the ReLU gradient without a ReluGrad kernel (plain wasm)", () => {
  it("is tfjs-core's dy * step(x), and no native pass runs", async () => {
    await selectBackend("wasm")
    const runs = eltwiseRuns()
    const [g] = tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), tf.tensor([0.5, 2, 3, -4]))))([tf.tensor([-1, 0, 2, 5])]).map((t) => Array.from(t.dataSync())))
    expect(g).toEqual([0, 0, 3, -4])
    expect(eltwiseRuns()).toBe(runs)
  })
})
