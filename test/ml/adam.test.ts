/**
 * The fused Adam (ml/adam.ts, one AdamUpdate kernel per variable on wasm) gives tf.train.adam's bytes:
 * the variables, both moments and the beta powers after several steps, on the seed wasm kernels and on
 * the native set; on the cpu backend it is tfjs-core's own update.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { adam } from "../../ml/adam.ts"
import { selectBackend } from "../../ml/backend.ts"
import { probeOneDnn } from "../../ml/onednn/library.ts"
import { makeRng } from "../../ml/random.ts"
import { randomBatch, referenceNet, trainStep } from "../../bench/train-step/reference-net.ts"

/** The state's bytes after `steps` steps, and how many tensors the steps after the first added (none: the moments exist by then). */
const stateAfterSteps = async (optimizer: tf.AdamOptimizer, steps: number): Promise<{ state: Array<Buffer>; leaked: number }> => {
  const net = referenceNet("stride", 7, 1, [4, 8, 8])
  const { x, y } = randomBatch(8, 16, 12)
  trainStep(net, optimizer, x, y)
  const tensors = tf.memory().numTensors
  for (let i = 1; i < steps; i++) trainStep(net, optimizer, x, y)
  const leaked = tf.memory().numTensors - tensors
  const weights = await optimizer.getWeights()
  const powers = optimizer as unknown as { accBeta1: tf.Tensor; accBeta2: tf.Tensor }
  const state = [...net.variables, ...weights.slice(1).map((w) => w.tensor), powers.accBeta1, powers.accBeta2]
    .map((t) => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0)))
  weights[0].tensor.dispose()
  optimizer.dispose()
  net.dispose()
  tf.dispose([x, y])
  return { state, leaked }
}

/** Variables of both sizes (one kernel up to 65,536 elements, tfjs-core's ops above), updated with fixed random gradients. */
const mixedSizesAfterSteps = (optimizer: tf.AdamOptimizer, steps: number): Array<Buffer> => {
  const rng = makeRng("mixed")
  const variables = [10, 70000].map((n, i) => tf.variable(tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal())), true, `mixed-${i}-${Math.random()}`))
  for (let step = 0; step < steps; step++) {
    const gradients = variables.map((v) => ({ name: v.name, tensor: tf.tensor1d(Float32Array.from({ length: v.size }, () => rng.normal())) }))
    optimizer.applyGradients(gradients)
    tf.dispose(gradients.map((g) => g.tensor))
  }
  const bytes = variables.map((v) => Buffer.from((v.dataSync() as Float32Array).buffer.slice(0)))
  optimizer.dispose()
  tf.dispose(variables)
  return bytes
}

describe("fused Adam", () => {
  beforeAll(async () => { await selectBackend("wasm") }) // registers the gradients
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each([
    ["seed wasm kernels", () => selectBackend("wasm")],
    ["native kernels", () => selectBackend("native", { threads: 2 })],
    ["cpu backend", () => tf.setBackend("cpu")]
  ] as const)("gives tf.train.adam's bytes after 6 steps (%s)", async (name, select) => {
    if (name === "native kernels" && !probeOneDnn().available) return
    await select()
    const expected = (await stateAfterSteps(tf.train.adam(3e-2), 6)).state
    const { state: actual, leaked } = await stateAfterSteps(adam(3e-2), 6)
    expect(leaked, "tensors left by each step").toBe(0)
    expect(actual.length).toBe(expected.length)
    actual.forEach((bytes, i) => expect(bytes.equals(expected[i]), `tensor ${i}`).toBe(true))
  })

  it("gives tf.train.adam's bytes for small and large variables (seed wasm kernels)", async () => {
    await selectBackend("wasm")
    const expected = mixedSizesAfterSteps(tf.train.adam(1e-2), 4)
    const actual = mixedSizesAfterSteps(adam(1e-2), 4)
    actual.forEach((bytes, i) => expect(bytes.equals(expected[i]), `variable ${i}`).toBe(true))
  })
})
