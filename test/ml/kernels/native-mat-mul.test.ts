/**
 * The native set's BatchMatMul (oneDNN matmul in place on the wasm heap) against tfjs's cpu backend:
 * every transpose combination, batches, a batch of 1 broadcast against a batch, empty dimensions, and
 * the gradients of a dense layer. Skipped (saying why) without libdnnl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { matMulRuns } from "../../../ml/onednn/matmul.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { makeRng } from "../../../ml/random.ts"
import { relativeError } from "./compare.ts"

const onednn = probeOneDnn()
const title = (name: string) => (onednn.available ? name : `${name} (skipped: ${onednn.reason})`)

interface Case { a: Array<number>; b: Array<number>; transposeA: boolean; transposeB: boolean }
const cases: Array<Case> = [
  ...[false, true].flatMap((transposeA) => [false, true].map((transposeB) => ({
    a: transposeA ? [37, 5] : [5, 37], b: transposeB ? [9, 37] : [37, 9], transposeA, transposeB
  }))),
  { a: [3, 4, 6], b: [3, 6, 2], transposeA: false, transposeB: false }, // a batch of products
  { a: [3, 6, 4], b: [3, 2, 6], transposeA: true, transposeB: true },
  { a: [1, 4, 6], b: [3, 6, 2], transposeA: false, transposeB: false }, // a batch of 1 broadcast
  { a: [4, 4, 6], b: [1, 2, 6], transposeA: false, transposeB: true },
  { a: [2, 2, 3, 5], b: [2, 2, 5, 4], transposeA: false, transposeB: false }, // two outer axes
  { a: [1568, 64], b: [64, 64], transposeA: false, transposeB: true }, // DIM-like local scores: many rows
  { a: [0, 5], b: [5, 3], transposeA: false, transposeB: false }, // empty output
  { a: [4, 0], b: [0, 3], transposeA: false, transposeB: false } // empty inner dimension: zeros
]

const evaluate = async (backend: string, c: Case, seed: string) => {
  await tf.setBackend(backend)
  const rng = makeRng(seed)
  const random = (shape: Array<number>) => tf.tensor(Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal()), shape)
  return tf.tidy(() => {
    const y = tf.matMul(random(c.a), random(c.b), c.transposeA, c.transposeB)
    return { shape: y.shape, values: y.dataSync() as Float32Array }
  })
}


describe.skipIf(!onednn.available)(title("native BatchMatMul vs the cpu backend"), () => {
  beforeAll(async () => { await selectBackend("native", { threads: 2 }) })
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each(cases.map((c, i) => [i, JSON.stringify(c), c] as const))("case %i %s matches within 1e-4", async (i, _label, c) => {
    const expected = await evaluate("cpu", c, `mm-${i}`)
    const calls = matMulRuns()
    const actual = await evaluate("wasm", c, `mm-${i}`)
    const productsRun = matMulRuns() - calls
    expect(actual.shape).toEqual(expected.shape)
    expect(productsRun > 0).toBe(expected.values.length > 0 && c.a[c.a.length - (c.transposeA ? 2 : 1)] > 0)
    expect(relativeError(expected.values, actual.values)).toBeLessThan(1e-4)
  })

  it("gives a dense layer's gradients (every matMul gradient is a transposed product)", async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend)
      const rng = makeRng("dense")
      const random = (shape: Array<number>) => tf.tensor(Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal()), shape)
      return tf.tidy(() => {
        const [x, w, r] = [random([33, 20]), random([20, 7]), random([33, 7])]
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b), r)))([x, w]).map((g) => g.dataSync() as Float32Array)
      })
    }
    const [expected, actual] = [await run("cpu"), await run("wasm")]
    expected.forEach((e, i) => expect(relativeError(e, actual[i])).toBeLessThan(1e-4))
  })

  it("leaks no tensor or heap memory over repeated products", async () => {
    await tf.setBackend("wasm")
    const a = tf.randomNormal([16, 8]), b = tf.randomNormal([16, 8])
    const tensors = tf.memory().numTensors, ids = tf.backend().numDataIds()
    for (let i = 0; i < 100; i++) tf.tidy(() => tf.matMul(a, b, false, true).dataSync())
    expect(tf.memory().numTensors).toBe(tensors)
    expect(tf.backend().numDataIds()).toBe(ids)
    tf.dispose([a, b])
  })
})
