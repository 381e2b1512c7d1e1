import { beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { makeRng } from "../../../ml/random.ts"

const onBoth = async (f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> => {
  const run = async (backend: string) => {
    await tf.setBackend(backend)
    return tf.tidy(() => f().dataSync() as Float32Array)
  }
  return [await run("cpu"), await run("wasm")]
}

const maxRelativeError = ([expected, actual]: [Float32Array, Float32Array]): number => {
  expect(actual.length).toBe(expected.length)
  let diff = 0, scale = 1e-12
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i] - actual[i]))
    scale = Math.max(scale, Math.abs(expected[i]))
  }
  return diff / scale
}

const randomValues = (seed: string, shape: Array<number>, relu = false): Float32Array => {
  const rng = makeRng(seed)
  // relu'd inputs have many tied zeros: the gradient must go to the same (first) maximum as on cpu
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (relu ? Math.max(0, rng.normal()) : rng.normal()))
}

describe("wasm MaxPoolGrad vs the cpu backend", () => {
  beforeAll(async () => { await selectBackend("wasm") })
  const cases = [
    { shape: [2, 8, 8, 3], size: 2, stride: 2, pad: "valid" },
    { shape: [2, 9, 7, 5], size: 2, stride: 2, pad: "same" },
    { shape: [1, 9, 9, 16], size: 3, stride: 2, pad: "same" },
    { shape: [3, 6, 5, 1], size: 3, stride: 1, pad: "valid" },
    { shape: [1, 7, 7, 4], size: 3, stride: 2, pad: "valid" }
  ] as const
  it.each(cases.map((c, i) => [i, c] as const))("case %i matches (with ties from relu)", async (i, c) => {
    const errors = await onBoth(() => {
      const x = tf.tensor4d(randomValues(`pool${i}`, [...c.shape], i % 2 === 0), [...c.shape] as [number, number, number, number])
      const outShape = tf.maxPool(x, c.size, c.stride, c.pad).shape
      const r = tf.tensor(randomValues(`dy${i}`, outShape), outShape)
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad), r)))(x)
    })
    expect(maxRelativeError(errors)).toBeLessThan(1e-6)
  })
})

describe("wasm Sum over leading axes vs the cpu backend", () => {
  beforeAll(async () => { await selectBackend("wasm") })
  it.each([
    [[64, 7, 5, 8], [0, 1, 2], false],
    [[64, 7, 5, 8], [0, 1, 2], true],
    [[300, 11], [0], false],
    [[4, 6, 3], [1, 0], false],
    [[4, 6, 3], [1, 2], false], // not leading: stock kernel
    [[4, 6, 3], [0, 1, 2], false] // every axis: stock kernel
  ] as const)("shape %j axes %j keepDims %s", async (shape, axes, keepDims) => {
    const pair = await onBoth(() => tf.sum(tf.tensor(randomValues(`sum${shape}`, [...shape]), [...shape]), [...axes], keepDims))
    expect(maxRelativeError(pair)).toBeLessThan(1e-5)
    await tf.setBackend("wasm")
    const shapeOnWasm = tf.tidy(() => tf.sum(tf.zeros([...shape]), [...axes], keepDims).shape)
    await tf.setBackend("cpu")
    expect(shapeOnWasm).toEqual(tf.tidy(() => tf.sum(tf.zeros([...shape]), [...axes], keepDims).shape))
  })
})
