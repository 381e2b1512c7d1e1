/** logSumExpRows: tfjs-core's logSumExp value (same bytes), and its gradient within 1e-6 (one product with the softmax instead of a path through the row maximum). */
import { beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import { selectBackend } from "../../ml/backend.ts"
import { logSumExpRows } from "../../ml/log-sum-exp.ts"
import { makeRng } from "../../ml/random.ts"
import { randomTensor, relativeError } from "./kernels/compare.ts"

describe("logSumExpRows", () => {
  beforeAll(async () => { await selectBackend("wasm") })

  it("matches tf.logSumExp along rows: value bytes and gradient", () => {
    const rng = makeRng("lse")
    const x = tf.mul(randomTensor(rng.fork("x"), [37, 53]), 8) as tf.Tensor2D
    const r = randomTensor(rng.fork("r"), [37])
    const ours = logSumExpRows(x).dataSync() as Float32Array
    const theirs = tf.logSumExp(x, 1).dataSync() as Float32Array
    expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer))).toBe(true)
    const gradient = (f: (t: tf.Tensor2D) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor2D), r)))(x).dataSync() as Float32Array
    expect(relativeError(gradient((t) => tf.logSumExp(t, 1)), gradient(logSumExpRows))).toBeLessThan(1e-6)
    // a row with a very negative entry (the contrastive loss masks its diagonal with -1e9): no NaN, zero weight there
    const masked = tf.tensor2d([[0, -1e9, 1], [2, 3, -1e9]])
    const g = tf.grad((t: tf.Tensor) => tf.sum(logSumExpRows(t as tf.Tensor2D)))(masked).arraySync() as Array<Array<number>>
    expect(g[0][1]).toBe(0)
    expect(g.flat().every(Number.isFinite)).toBe(true)
    expect(g[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
  })
})
