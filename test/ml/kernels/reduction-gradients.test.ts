/**
 * The project's Sum and Mean gradients (ml/kernels/reduction-gradients.ts) give tfjs-core's values bit for
 * bit: dy broadcast over the reduced axes (times ones), divided by the reduced size for Mean.
 */
import { describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import { selectBackend } from "../../../ml/backend.ts"
import { makeRng } from "../../../ml/random.ts"

describe("Sum and Mean gradients", () => {
  const cases: Array<[string, Array<number>, Array<number>]> = [
    ["all axes", [3, 4, 5], [0, 1, 2]],
    ["middle axes", [2, 3, 4, 5], [1, 2]],
    ["leading axis", [6, 7], [0]],
    ["trailing axis", [6, 7], [1]]
  ]
  it.each(cases)("%s of %j over %j: tfjs-core's formula, bit for bit", async (_name, shape, axes) => {
    await selectBackend("wasm")
    const rng = makeRng(`reduce-grad-${shape}-${axes}`)
    const count = shape.reduce((a, b) => a * b, 1)
    const x = tf.tensor(Float32Array.from({ length: count }, () => rng.normal()), shape)
    const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d))
    const r = tf.tensor(Float32Array.from({ length: kept.reduce((a, b) => a * b, 1) }, () => rng.normal()), kept)
    const [gSum] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.sum(a, axes, true), r)))([x])
    const [gMean] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, axes, true), r)))([x])
    // tfjs-core's own: mul(reshape(dy), ones(x.shape)), and for Mean divided by the reduced size
    const reduced = axes.reduce((n, a) => n * shape[a], 1)
    const expectedSum = tf.mul(r, tf.ones(shape))
    const expectedMean = tf.div(tf.mul(r, tf.ones(shape)), reduced)
    expect(Array.from(gSum.dataSync())).toEqual(Array.from(expectedSum.dataSync()))
    expect(Array.from(gMean.dataSync())).toEqual(Array.from(expectedMean.dataSync()))
    tf.dispose([x, r, gSum, gMean, expectedSum, expectedMean])
  })
})
