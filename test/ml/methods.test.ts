import * as tf from "@tensorflow/tfjs-core"
import * as Schema from "effect/Schema"
import { beforeAll, describe, expect, it } from "vitest"
import { gridPool, makeEncoder } from "../../ml/encoder.ts"
import { makeMethod } from "../../ml/methods/registry.ts"
import { makeRng } from "../../data/random.ts"
import { disposeParams } from "../../ml/weights.ts"
import { MethodConfig, type TrainedMethodConfig } from "../../schemas/methods.ts"
import { strokeImages, useCpu } from "./fixtures.ts"
import { gatherImages } from "../../ml/augment.ts"

beforeAll(useCpu)

const methods: ReadonlyArray<unknown> = [
  { name: "ae", kind: "autoencoder" },
  { name: "ae-mse", kind: "autoencoder", loss: "mse" },
  { name: "simclr", kind: "contrastive", projectionDim: 4 },
  // 16 prior units: with 4, some prior-sample draws leave every ReLU of the prior discriminator off
  { name: "dim", kind: "infomax", alpha: 0.5, beta: 1, gamma: 0.1, localLayer: 0, discriminatorDim: 16 },
  { name: "dim-pooled", kind: "infomax", alpha: 0.5, localLayer: 0, localPool: 2, discriminatorDim: 4 },
  { name: "dim-nce", kind: "infomax", alpha: 0.5, estimator: "nce", localLayer: 0, discriminatorDim: 16 },
  { name: "sup", kind: "supervised" }
]

describe("every method's loss reaches every parameter", () => {
  it.each(methods)("%o", (raw) => {
    const config = Schema.decodeUnknownSync(MethodConfig)(raw) as TrainedMethodConfig
    const images = strokeImages(8, 8)
    const encoder = makeEncoder({ widths: [4, 8], embeddingDim: 6 }, images.shape, makeRng(1))
    const method = makeMethod(config, { encoder, rng: makeRng(2), classCount: 4 })
    const before = tf.memory().numTensors
    const grads = tf.tidy(() => {
      const x = tf.tensor4d(gatherImages(images.pixels, images.shape, [0, 1, 2, 3, 4, 5, 6, 7]), [8, 8, 8, 1])
      const views = Array.from({ length: method.views }, () => x)
      const { value, grads } = tf.variableGrads(() => method.loss({ views, labels: tf.tensor1d(images.labels, "int32"), rng: makeRng(3) }))
      expect(Number.isFinite(value.dataSync()[0])).toBe(true)
      return Object.fromEntries([...encoder.params, ...method.heads].map(([name, v]) => [name, grads[v.name]]))
    })
    for (const [name, grad] of Object.entries(grads)) {
      expect(grad, `gradient of ${name}`).toBeDefined()
      const values = grad.dataSync()
      expect(values.every(Number.isFinite), `finite gradient of ${name}`).toBe(true)
      if (name.endsWith(".w")) expect(values.some((v) => v !== 0), `non-zero gradient of ${name}`).toBe(true)
    }
    tf.dispose(Object.values(grads))
    expect(tf.memory().numTensors).toBe(before)
    disposeParams(method.heads)
    disposeParams(encoder.params)
  })
})

describe("infomax local pooling", () => {
  it("rejects a pooling factor that does not divide the local map, naming both", () => {
    const encoder = makeEncoder({ widths: [4, 8], embeddingDim: 6 }, [8, 8, 1], makeRng(1))
    const config = Schema.decodeUnknownSync(MethodConfig)({ name: "dim", kind: "infomax", localLayer: 0, localPool: 3 })
    expect(() => makeMethod(config as TrainedMethodConfig, { encoder, rng: makeRng(2), classCount: 4 })).toThrow(/localPool 3 .* 8x8/)
    disposeParams(encoder.params)
  })
})

describe("encoder", () => {
  it("has the same embedding size for every kind and reads blocks of the configured widths", () => {
    const encoder = makeEncoder({ widths: [4, 8, 6], strides: [1, 2, 2], embeddingDim: 5 }, [12, 12, 1], makeRng(3))
    expect(encoder.spec.blockShapes).toEqual([[12, 12, 4], [6, 6, 8], [3, 3, 6]])
    const shapes = tf.tidy(() => {
      const out = encoder.apply(tf.zeros([2, 12, 12, 1]) as tf.Tensor4D)
      return { blocks: out.blocks.map((b) => b.shape), embedding: out.embedding.shape }
    })
    expect(shapes.embedding).toEqual([2, 5])
    expect(shapes.blocks).toEqual([[2, 12, 12, 4], [2, 6, 6, 8], [2, 3, 3, 6]])
    disposeParams(encoder.params)
  })

  it("pools the last block to a grid: cell means, cell-major, overlapping cells on odd sizes", () => {
    // 3x3 map, 2 channels: channel 0 holds 0..8 row-major, channel 1 its negation.
    const values = Array.from({ length: 9 }, (_, i) => [i, -i]).flat()
    const pooled = tf.tidy(() => Array.from(gridPool(tf.tensor4d(values, [1, 3, 3, 2]), 2).dataSync()))
    // Cells cover rows/cols [0,2) and [1,3): means 2, 3, 5, 6.
    expect(pooled).toEqual([2, -2, 3, -3, 5, -5, 6, -6])
    const global = tf.tidy(() => Array.from(gridPool(tf.tensor4d(values, [1, 3, 3, 2]), 1).dataSync()))
    expect(global).toEqual([4, -4])
  })

  it("pools a grid with the gradient of slicing each cell and averaging it", () => {
    const rng = makeRng("grid-grad")
    const [b, h, w, c, grid] = [2, 7, 7, 3, 2]
    const x = tf.tensor4d(Array.from({ length: b * h * w * c }, () => rng.normal()), [b, h, w, c])
    const r = tf.tensor2d(Array.from({ length: b * grid * grid * c }, () => rng.normal()), [b, grid * grid * c])
    // the reference: slice each (overlapping) cell of 7 rows into [0, 4) and [3, 7), average it
    const sliced = (a: tf.Tensor) =>
      tf.concat([[0, 0], [0, 3], [3, 0], [3, 3]].map(([i, j]) => tf.mean(tf.slice(a, [0, i, j, 0], [-1, 4, 4, c]), [1, 2])), 1)
    const [expected, actual] = [sliced, (a: tf.Tensor) => gridPool(a as tf.Tensor4D, grid)].map((pool) =>
      tf.tidy(() => [pool(x), tf.grads((a: tf.Tensor) => tf.sum(tf.mul(pool(a), r)))([x])[0]].map((t) => Array.from(t.dataSync()))))
    expected.forEach((values, i) => values.forEach((v, j) => expect(actual[i][j]).toBeCloseTo(v, 5)))
    tf.dispose([x, r])
  })

  it("sizes the embedding from the pooling grid and rejects a grid larger than the map", () => {
    const encoder = makeEncoder({ widths: [4, 6], poolGrid: 2, embeddingDim: 24 }, [8, 8, 1], makeRng(3))
    expect(encoder.spec.pooledDim).toBe(24)
    expect(encoder.spec.projected).toBe(false)
    expect(encoder.params.has("embed.w")).toBe(false)
    const shape = tf.tidy(() => encoder.apply(tf.zeros([2, 8, 8, 1]) as tf.Tensor4D).embedding.shape)
    expect(shape).toEqual([2, 24])
    disposeParams(encoder.params)
    expect(() => makeEncoder({ widths: [4, 6], poolGrid: 5, embeddingDim: 8 }, [8, 8, 1], makeRng(3))).toThrow(/poolGrid 5/)
  })

  it("draws the same init from the same seed and another from another", () => {
    const values = (seed: number) => {
      const e = makeEncoder({ widths: [4], embeddingDim: 4 }, [8, 8, 1], makeRng(seed))
      const v = Array.from(e.params.get("conv0.w")!.dataSync())
      disposeParams(e.params)
      return v
    }
    expect(values(1)).toEqual(values(1))
    expect(values(1)).not.toEqual(values(2))
  })
})

describe("infomax prior matching (gradient reversal)", () => {
  /** The prior term alone (alpha = beta = 0): its value is the discriminator's loss. */
  const setup = () => {
    const images = strokeImages(16, 8)
    const encoder = makeEncoder({ widths: [4, 8], embeddingDim: 6 }, images.shape, makeRng(1))
    const config = Schema.decodeUnknownSync(MethodConfig)({ name: "dim", kind: "infomax", alpha: 0, beta: 0, gamma: 1, localLayer: 0, discriminatorDim: 16 })
    const method = makeMethod(config as TrainedMethodConfig, { encoder, rng: makeRng(2), classCount: 4 })
    const x = tf.tensor4d(gatherImages(images.pixels, images.shape, Array.from({ length: 16 }, (_, i) => i)), [16, 8, 8, 1])
    const labels = tf.tensor1d(images.labels, "int32")
    // the same prior sample at every evaluation, so only the parameters change between them
    const loss = () => method.loss({ views: [x], labels, rng: makeRng(3) })
    const discriminatorLoss = () => tf.tidy(() => loss().dataSync()[0])
    /** One plain gradient-descent step of the prior term on `params` only. */
    const step = (params: ReadonlyArray<tf.Variable>, rate: number) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(loss, [...params])
        for (const v of params) v.assign(tf.sub(v, tf.mul(rate, grads[v.name])))
      })
    /** 1-D Wasserstein distance between the squashed global vector's values and the uniform prior. */
    const distanceToPrior = () =>
      tf.tidy(() => {
        const values = Float64Array.from(tf.sigmoid(encoder.apply(x).embedding).dataSync()).sort()
        return values.reduce((s, v, i) => s + Math.abs(v - (i + 0.5) / values.length), 0) / values.length
      })
    const dispose = () => {
      tf.dispose([x, labels])
      disposeParams(method.heads)
      disposeParams(encoder.params)
    }
    return { encoder, method, discriminatorLoss, step, distanceToPrior, dispose }
  }

  it("a descent step on the encoder raises the discriminator's loss; one on the discriminator lowers it", () => {
    const s = setup()
    const before = s.discriminatorLoss()
    s.step([...s.encoder.params.values()], 0.05)
    const afterEncoderStep = s.discriminatorLoss()
    expect(afterEncoderStep).toBeGreaterThan(before)
    s.step([...s.method.heads.values()], 0.05)
    expect(s.discriminatorLoss()).toBeLessThan(afterEncoderStep)
    s.dispose()
  })

  it("training on the prior term moves the encoder's outputs toward the uniform prior", () => {
    const s = setup()
    const before = s.distanceToPrior()
    const all = [...s.encoder.params.values(), ...s.method.heads.values()]
    // encoder and discriminator descend the same loss, as in training: only the reversal makes it adversarial
    for (let i = 0; i < 120; i++) s.step(all, 0.1)
    expect(s.distanceToPrior()).toBeLessThan(0.75 * before)
    s.dispose()
  })
})
