import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { ntXentLoss } from "../../ml/methods/contrastive.ts"
import { jsdMiEstimate, jsdMiFromCodes, nceMiFromCodes, pairScores, poolLocalMap } from "../../ml/methods/infomax.ts"
import { reconstructionLoss } from "../../ml/methods/autoencoder.ts"
import { crossEntropy } from "../../ml/methods/supervised.ts"
import { makeRng } from "../../data/random.ts"
import { useCpu } from "./fixtures.ts"

beforeAll(useCpu)

const randomMatrix = (rows: number, cols: number, seed: string) => {
  const rng = makeRng(seed)
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()))
}

/** NT-Xent written out directly: for each anchor, -log(exp(s_pos) / sum_{k != i} exp(s_ik)). */
const ntXentDirect = (a: number[][], b: number[][], tau: number): number => {
  const z = [...a, ...b].map((v) => {
    const norm = Math.hypot(...v)
    return v.map((x) => x / norm)
  })
  const n = a.length
  let total = 0
  for (let i = 0; i < 2 * n; i++) {
    const sim = (k: number) => z[i].reduce((s, x, d) => s + x * z[k][d], 0) / tau
    let denominator = 0
    for (let k = 0; k < 2 * n; k++) if (k !== i) denominator += Math.exp(sim(k))
    total += -Math.log(Math.exp(sim((i + n) % (2 * n))) / denominator)
  }
  return total / (2 * n)
}

describe("ntXentLoss", () => {
  it("matches the direct formula over 2N-2 negatives", () => {
    const a = randomMatrix(5, 3, "a"), b = randomMatrix(5, 3, "b")
    for (const tau of [0.1, 0.5, 1]) {
      const loss = tf.tidy(() => ntXentLoss(tf.tensor2d(a), tf.tensor2d(b), tau).dataSync()[0])
      expect(loss).toBeCloseTo(ntXentDirect(a, b, tau), 4)
    }
  })

  it("is low when the views agree and high when they do not", () => {
    const a = randomMatrix(6, 4, "c")
    const aligned = tf.tidy(() => ntXentLoss(tf.tensor2d(a), tf.tensor2d(a), 0.1).dataSync()[0])
    const shuffled = tf.tidy(() => ntXentLoss(tf.tensor2d(a), tf.tensor2d([...a.slice(1), a[0]]), 0.1).dataSync()[0])
    expect(aligned).toBeLessThan(shuffled)
  })
})

describe("jsdMiEstimate", () => {
  it("is -2 log 2 at chance (all scores zero)", () => {
    const value = tf.tidy(() => jsdMiEstimate(tf.zeros([4, 3, 4]) as tf.Tensor3D).dataSync()[0])
    expect(value).toBeCloseTo(-2 * Math.log(2), 5)
  })

  it("rises towards 0 when positives score high and negatives low, and falls when reversed", () => {
    const scores = (sign: number) =>
      tf.tidy(() => {
        const eye = tf.reshape(tf.eye(4), [4, 1, 4])
        const s = tf.mul(sign * 10, tf.sub(tf.mul(2, tf.tile(eye, [1, 3, 1])), 1)) as tf.Tensor3D
        return jsdMiEstimate(s).dataSync()[0]
      })
    expect(scores(1)).toBeGreaterThan(-0.001)
    expect(scores(1)).toBeLessThanOrEqual(0)
    expect(scores(-1)).toBeLessThan(-15)
  })

  it("jsdMiFromCodes equals jsdMiEstimate(pairScores(...)), value and gradients, for K = 1 and K > 1", () => {
    const rng = makeRng("jsd-codes")
    for (const [b, k, d] of [[6, 5, 4], [5, 1, 3]]) {
      const local = tf.tensor3d(Array.from({ length: b * k * d }, () => rng.normal() * 2), [b, k, d])
      const global = tf.tensor2d(Array.from({ length: b * d }, () => rng.normal() * 2), [b, d])
      const reference = (l: tf.Tensor, g: tf.Tensor) => jsdMiEstimate(pairScores(l as tf.Tensor3D, g as tf.Tensor2D))
      const fast = (l: tf.Tensor, g: tf.Tensor) => jsdMiFromCodes(l as tf.Tensor3D, g as tf.Tensor2D)
      const [expected, actual] = [reference, fast].map((f) => tf.tidy(() => [f(local, global), ...tf.grads(f)([local, global])].map((t) => Array.from(t.dataSync()))))
      expect(actual[0][0]).toBeCloseTo(expected[0][0], 5)
      expected.slice(1).forEach((grad, i) => grad.forEach((v, j) => expect(actual[i + 1][j]).toBeCloseTo(v, 5)))
      tf.dispose([local, global])
    }
  })

  it("nceMiFromCodes matches infoNCE written out: each (i, k) against every local code of the other images", () => {
    const rng = makeRng("nce-codes")
    for (const [b, k, d] of [[5, 4, 3], [4, 1, 2]]) {
      const local = Array.from({ length: b }, () => Array.from({ length: k }, () => Array.from({ length: d }, () => rng.normal() * 2)))
      const global = Array.from({ length: b }, () => Array.from({ length: d }, () => rng.normal() * 2))
      const score = (l: number[], g: number[]) => l.reduce((s, x, c) => s + x * g[c], 0) / Math.sqrt(d)
      let direct = 0
      for (let i = 0; i < b; i++)
        for (let p = 0; p < k; p++) {
          const positive = Math.exp(score(local[i][p], global[i]))
          let negatives = 0
          for (let j = 0; j < b; j++) if (j !== i) for (let q = 0; q < k; q++) negatives += Math.exp(score(local[j][q], global[i]))
          direct += Math.log(positive / (positive + negatives))
        }
      const value = tf.tidy(() => nceMiFromCodes(tf.tensor3d(local), tf.tensor2d(global)).dataSync()[0])
      expect(value).toBeCloseTo(direct / (b * k), 4)
    }
  })

  it("nceMiFromCodes is log(1 / (1 + (B - 1) K)) at chance and rises with its gradient", () => {
    const [b, k, d] = [4, 3, 2]
    const atChance = tf.tidy(() => nceMiFromCodes(tf.zeros([b, k, d]) as tf.Tensor3D, tf.zeros([b, d]) as tf.Tensor2D).dataSync()[0])
    expect(atChance).toBeCloseTo(-Math.log(1 + (b - 1) * k), 5)
    const rng = makeRng("nce-ascent")
    let local = tf.tensor3d(Array.from({ length: b * k * d }, () => rng.normal()), [b, k, d])
    const global = tf.tensor2d(Array.from({ length: b * d }, () => rng.normal()), [b, d])
    const estimate = (l: tf.Tensor) => nceMiFromCodes(l as tf.Tensor3D, global)
    const before = tf.tidy(() => estimate(local).dataSync()[0])
    for (let step = 0; step < 20; step++) {
      const next = tf.tidy(() => tf.add(local, tf.mul(0.5, tf.grad(estimate)(local))) as tf.Tensor3D)
      local.dispose()
      local = next
    }
    expect(tf.tidy(() => estimate(local).dataSync()[0])).toBeGreaterThan(before + 0.1)
    tf.dispose([local, global])
  })

  it("pairScores scores every local code against every global code (dot / sqrt(D))", () => {
    const out = tf.tidy(() => {
      const local = tf.tensor3d([[[1, 0]], [[0, 1]], [[1, 1]]]) // B=3, K=1, D=2
      const global = tf.tensor2d([[2, 0], [0, 3], [1, 1]])
      const s = pairScores(local, global)
      return { shape: s.shape, values: Array.from(s.dataSync()) }
    })
    expect(out.shape).toEqual([3, 1, 3])
    expect(out.values.map((v) => v * Math.SQRT2)).toEqual([2, 0, 1, 0, 3, 1, 2, 3, 2].map((v) => expect.closeTo(v, 5)))
  })

  it("poolLocalMap equals 2x2 average pooling, values and gradient", () => {
    const rng = makeRng("pool")
    const map = tf.tensor4d(Array.from({ length: 2 * 4 * 6 * 3 }, () => rng.normal()), [2, 4, 6, 3])
    const weights = tf.tensor4d(Array.from({ length: 2 * 2 * 3 * 3 }, () => rng.normal()), [2, 2, 3, 3])
    const compare = (pool: (x: tf.Tensor4D) => tf.Tensor4D) =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(tf.mul(pool(x as tf.Tensor4D), weights)))(map)
        return { pooled: Array.from(pool(map).dataSync()), value: value.dataSync()[0], grad: Array.from(grad.dataSync()) }
      })
    const ours = compare((x) => poolLocalMap(x, 2))
    const reference = compare((x) => tf.avgPool(x, 2, 2, "valid"))
    expect(ours.pooled).toEqual(reference.pooled.map((v) => expect.closeTo(v, 5)))
    expect(ours.value).toBeCloseTo(reference.value, 4)
    expect(ours.grad).toEqual(reference.grad.map((v) => expect.closeTo(v, 5)))
    expect(poolLocalMap(map, 1)).toBe(map)
    tf.dispose([map, weights])
  })
})

describe("reconstruction and classification losses", () => {
  it("BCE with logits matches -[y log p + (1-y) log(1-p)]", () => {
    const logits = [0.3, -1.2, 2]
    const target = [1, 0, 0.5]
    const expected = logits.reduce((s, l, i) => {
      const p = 1 / (1 + Math.exp(-l))
      return s - (target[i] * Math.log(p) + (1 - target[i]) * Math.log(1 - p))
    }, 0) / 3
    const value = tf.tidy(() => reconstructionLoss(tf.tensor1d(logits), tf.tensor1d(target), "bce").dataSync()[0])
    expect(value).toBeCloseTo(expected, 5)
    const mse = tf.tidy(() => reconstructionLoss(tf.tensor1d([0]), tf.tensor1d([1]), "mse").dataSync()[0])
    expect(mse).toBeCloseTo(0.25, 6)
  })

  it("cross-entropy matches -log softmax of the true class", () => {
    const value = tf.tidy(() => crossEntropy(tf.tensor2d([[1, 2, 3]]), tf.tensor1d([0], "int32")).dataSync()[0])
    expect(value).toBeCloseTo(-Math.log(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3))), 5)
  })
})
