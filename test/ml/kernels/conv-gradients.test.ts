import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { makeRng } from "../../../ml/random.ts"
import { randomTensor, relativeError } from "./compare.ts"

type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding
interface Case { batch: number; size: [number, number]; cin: number; cout: number; k: [number, number]; stride: number; pad: Pad }

/** Gradients of sum(conv2d(x, w) * r) with respect to x and w, computed on `backend`. */
const gradients = async (backend: string, c: Case, seed: number): Promise<[Float32Array, Float32Array]> => {
  await tf.setBackend(backend)
  const rng = makeRng(seed)
  return tf.tidy(() => {
    const x = randomTensor(rng.fork("x"), [c.batch, c.size[0], c.size[1], c.cin]) as tf.Tensor4D
    const w = randomTensor(rng.fork("w"), [c.k[0], c.k[1], c.cin, c.cout]) as tf.Tensor4D
    const outShape = tf.conv2d(x, w, c.stride, c.pad).shape
    const r = randomTensor(rng.fork("r"), outShape)
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r))
    const [gx, gw] = tf.grads(f)([x, w])
    return [gx.dataSync() as Float32Array, gw.dataSync() as Float32Array] as [Float32Array, Float32Array]
  })
}


const fixedCases: Array<Case> = [
  { batch: 2, size: [7, 9], cin: 3, cout: 5, k: [3, 3], stride: 1, pad: "same" },
  { batch: 2, size: [7, 9], cin: 3, cout: 5, k: [3, 3], stride: 2, pad: "same" },
  { batch: 2, size: [8, 8], cin: 1, cout: 64, k: [3, 3], stride: 2, pad: "valid" },
  { batch: 1, size: [9, 7], cin: 4, cout: 6, k: [5, 5], stride: 2, pad: "same" },
  { batch: 1, size: [9, 7], cin: 64, cout: 3, k: [1, 1], stride: 2, pad: "valid" },
  { batch: 1, size: [9, 7], cin: 4, cout: 6, k: [5, 3], stride: 1, pad: "valid" },
  // padding larger than the filter reach: the patches (col2im) path of the input gradient
  { batch: 2, size: [6, 6], cin: 2, cout: 3, k: [3, 3], stride: 1, pad: [[0, 0], [4, 1], [0, 3], [0, 0]] },
  { batch: 2, size: [6, 5], cin: 2, cout: 3, k: [3, 3], stride: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  // several chunks in the filter gradient (~74K patch floats per image)
  { batch: 5, size: [16, 16], cin: 32, cout: 8, k: [3, 3], stride: 1, pad: "same" }
]

const randomCases = (count: number): Array<Case> => {
  const rng = makeRng("conv-gradient-cases")
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[rng.int(xs.length)]
  return Array.from({ length: count }, () => {
    const k = pick([1, 3, 5])
    const size: [number, number] = [k + rng.int(8), k + rng.int(8)]
    return { batch: 1 + rng.int(3), size, cin: pick([1, 2, 3, 7, 16, 33, 64]), cout: pick([1, 4, 9, 32, 64]), k: [k, k], stride: pick([1, 2]), pad: pick(["same", "valid"] as const) }
  })
}

describe("wasm Conv2DBackpropFilter / Conv2DBackpropInput vs the cpu backend", () => {
  beforeAll(async () => { await selectBackend("wasm") })
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each([...fixedCases, ...randomCases(24)].map((c, i) => [i, JSON.stringify(c), c] as const))(
    "case %i %s matches within 1e-4",
    async (i, _label, c) => {
      const [cpuX, cpuW] = await gradients("cpu", c, i)
      const [wasmX, wasmW] = await gradients("wasm", c, i)
      expect(relativeError(cpuX, wasmX)).toBeLessThan(1e-4)
      expect(relativeError(cpuW, wasmW)).toBeLessThan(1e-4)
    }
  )

  it("rejects dilation > 1 and NCHW with a clear message", async () => {
    await tf.setBackend("wasm")
    const x = tf.zeros([1, 5, 5, 2]), dy = tf.zeros([1, 5, 5, 3]), w = tf.zeros([3, 3, 2, 3])
    const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 2, 3], dilations: 2 }
    expect(() => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs)).toThrow(/dilation 2 is not supported/)
    expect(() => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { ...attrs, inputShape: [1, 5, 5, 2], dataFormat: "NCHW", dilations: 1 }))
      .toThrow(/dataFormat NCHW is not supported/)
    tf.dispose([x, dy, w])
  })
})
