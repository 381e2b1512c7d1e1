/**
 * The native set's Sum / Mean over a middle block of axes (one oneDNN matmul) and its copy-free Identity,
 * against the cpu backend. Skipped (saying why) without libdnnl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { cachedRowSumPlans } from "../../../ml/onednn/row-sum.ts"
import { makeRng } from "../../../ml/random.ts"

const onednn = probeOneDnn()
const title = (name: string) => (onednn.available ? name : `${name} (skipped: ${onednn.reason})`)

interface Case { op: "sum" | "mean"; shape: Array<number>; axis: Array<number>; keepDims: boolean; native: boolean }
const cases: Array<Case> = [
  { op: "sum", shape: [256, 28, 28, 4], axis: [0, 1, 2], keepDims: false, native: true }, // a bias gradient, 200K rows
  { op: "sum", shape: [5, 7, 9, 3], axis: [0, 1, 2], keepDims: true, native: true },
  { op: "sum", shape: [3, 5, 4], axis: [1], keepDims: false, native: true },
  { op: "sum", shape: [33, 10], axis: [0], keepDims: false, native: true },
  { op: "mean", shape: [4, 7, 7, 16], axis: [1, 2], keepDims: false, native: true }, // global average pooling
  { op: "mean", shape: [3, 5, 5, 8], axis: [1, 2], keepDims: true, native: true },
  { op: "sum", shape: [6, 10], axis: [1], keepDims: false, native: false }, // trailing: the kernel it replaced
  { op: "mean", shape: [3, 4, 5], axis: [0, 2], keepDims: false, native: false } // not contiguous
]

const compute = async (backend: string, c: Case, values: Float32Array): Promise<{ values: Float32Array; shape: Array<number> }> => {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const x = tf.tensor(values, c.shape)
    const y = c.op === "sum" ? tf.sum(x, c.axis, c.keepDims) : tf.mean(x, c.axis, c.keepDims)
    return { values: y.dataSync() as Float32Array, shape: y.shape }
  })
}

describe.skipIf(!onednn.available)(title("native Sum / Mean / Identity vs the cpu backend"), () => {
  beforeAll(async () => { await selectBackend("native", { threads: 2 }) })
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each(cases.map((c, i) => [i, JSON.stringify(c), c] as const))("case %i %s matches within 1e-4", async (i, _label, c) => {
    const rng = makeRng(`reduce-${i}`)
    const values = Float32Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, () => rng.normal() + 0.5)
    const plans = cachedRowSumPlans()
    const expected = await compute("cpu", c, values)
    const actual = await compute("wasm", c, values)
    expect(cachedRowSumPlans() > plans).toBe(c.native)
    expect(actual.shape).toEqual(expected.shape)
    let diff = 0, scale = 1e-12
    expected.values.forEach((v, j) => {
      diff = Math.max(diff, Math.abs(v - actual.values[j]))
      scale = Math.max(scale, Math.abs(v))
    })
    expect(diff / scale).toBeLessThan(1e-4)
  })

  it("Identity shares the heap memory and frees it when the last tensor goes", async () => {
    await tf.setBackend("wasm")
    const ids = tf.backend().numDataIds()
    const x = tf.tensor([1, 2, 3])
    const y = tf.clone(x)
    expect(tf.backend().numDataIds()).toBe(ids + 1)
    x.dispose()
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3])
    y.dispose()
    expect(tf.backend().numDataIds()).toBe(ids)
  })
})
