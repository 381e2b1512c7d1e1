/**
 * The oneDNN kernels (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter) against tfjs's cpu backend:
 * values and gradients within 1e-4 for every shape the encoders and the autoencoder's decoder use, plus
 * odd sizes, both paddings, strides 1 and 2, 1 and 3 channels and partial last batches; no tensor,
 * heap or primitive leak over 100 steps; identical bytes on a rerun. Skipped (saying why) without libdnnl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { adam } from "../../../ml/adam.ts"
import { selectBackend } from "../../../ml/backend.ts"
import { cachedConvPlans, convolutionsRun } from "../../../ml/onednn/convolution.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { cachedRowSumPlans } from "../../../ml/onednn/row-sum.ts"
import { makeRng } from "../../../ml/random.ts"
import { randomBatch, referenceNet, trainStep } from "../../../bench/train-step/reference-net.ts"
import { randomTensor, relativeError } from "./compare.ts"

type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding
interface Case { batch: number; size: [number, number]; cin: number; cout: number; k: number; stride: number; pad: Pad; transposed?: boolean }

const onednn = probeOneDnn()
const title = (name: string) => (onednn.available ? name : `${name} (skipped: ${onednn.reason})`)

/** The op of a case: a convolution, or (the autoencoder's decoder) a transposed convolution to twice the size. */
const op = (c: Case) => (a: tf.Tensor, w: tf.Tensor): tf.Tensor4D =>
  c.transposed
    ? tf.conv2dTranspose(a as tf.Tensor4D, w as tf.Tensor4D, [a.shape[0], c.size[0] * c.stride, c.size[1] * c.stride, c.cout], c.stride, "same")
    : tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)

/** y = op(x, w), and the gradients of sum(y * r) with respect to x and w, computed on `backend`. */
const evaluate = async (backend: string, c: Case, seed: number): Promise<Array<Float32Array>> => {
  await tf.setBackend(backend)
  const rng = makeRng(seed)
  return tf.tidy(() => {
    const x = randomTensor(rng.fork("x"), [c.batch, c.size[0], c.size[1], c.cin])
    // a transposed conv's filter is [k, k, out channels, in channels]
    const w = randomTensor(rng.fork("w"), c.transposed ? [c.k, c.k, c.cout, c.cin] : [c.k, c.k, c.cin, c.cout])
    const y = op(c)(x, w)
    const r = randomTensor(rng.fork("r"), y.shape)
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(c)(a, b), r)))([x, w])
    return [y, gx, gw].map((t) => t.dataSync() as Float32Array)
  })
}


/** The encoders' layers (28x28 Fashion-MNIST, quick's widths 16/32/64 and full's 32/64/128, strides 1 then 2, "same"). */
const encoderCases: Array<Case> = [
  ...[[1, 16, 28, 1], [16, 32, 28, 2], [32, 64, 14, 2], [1, 32, 28, 1], [32, 64, 28, 2], [64, 128, 14, 2]].map(
    ([cin, cout, size, stride]): Case => ({ batch: 2, size: [size, size], cin, cout, k: 3, stride, pad: "same" })
  ),
  // the autoencoder's decoder: transposed convs back up to 28x28
  { batch: 2, size: [7, 7], cin: 64, cout: 32, k: 3, stride: 2, pad: "same", transposed: true },
  { batch: 2, size: [14, 14], cin: 32, cout: 1, k: 3, stride: 2, pad: "same", transposed: true },
  // a partial last batch: the same layer at another batch size (another cached plan)
  { batch: 3, size: [28, 28], cin: 16, cout: 32, k: 3, stride: 2, pad: "same" },
  { batch: 1, size: [14, 14], cin: 32, cout: 64, k: 3, stride: 2, pad: "same" }
]

const geometryCases: Array<Case> = [
  { batch: 2, size: [7, 9], cin: 3, cout: 5, k: 3, stride: 1, pad: "same" },
  { batch: 2, size: [7, 9], cin: 3, cout: 5, k: 3, stride: 2, pad: "same" },
  { batch: 2, size: [7, 9], cin: 1, cout: 4, k: 3, stride: 2, pad: "valid" },
  { batch: 3, size: [13, 13], cin: 1, cout: 8, k: 3, stride: 1, pad: "valid" },
  { batch: 1, size: [9, 7], cin: 3, cout: 6, k: 5, stride: 2, pad: "same" },
  { batch: 1, size: [9, 7], cin: 8, cout: 3, k: 1, stride: 2, pad: "valid" },
  { batch: 2, size: [12, 12], cin: 12, cout: 12, k: 12, stride: 1, pad: "valid" },
  { batch: 2, size: [6, 5], cin: 2, cout: 3, k: 3, stride: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  { batch: 1, size: [5, 5], cin: 3, cout: 2, k: 3, stride: 2, pad: "same", transposed: true }
]

describe.skipIf(!onednn.available)(title("oneDNN conv kernels vs the cpu backend"), () => {
  beforeAll(async () => { await selectBackend("native", { threads: 2 }) })
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each([...encoderCases, ...geometryCases].map((c, i) => [i, JSON.stringify(c), c] as const))(
    "case %i %s: value and both gradients within 1e-4",
    async (i, _label, c) => {
      const runsBefore = convolutionsRun()
      const cpu = await evaluate("cpu", c, i)
      const native = await evaluate("wasm", c, i)
      expect(convolutionsRun() - runsBefore, "native passes run").toBe(4) // the value twice (alone and under grads), both gradients
      expect(relativeError(cpu[0], native[0]), "value").toBeLessThan(1e-4)
      expect(relativeError(cpu[1], native[1]), "input gradient").toBeLessThan(1e-4)
      expect(relativeError(cpu[2], native[2]), "filter gradient").toBeLessThan(1e-4)
    }
  )

  it("leaves dilated convolutions to the kernel it replaced", async () => {
    await tf.setBackend("wasm")
    const rng = makeRng("dilated")
    const x = randomTensor(rng.fork("x"), [1, 9, 9, 2]) as tf.Tensor4D, w = randomTensor(rng.fork("w"), [3, 3, 2, 3]) as tf.Tensor4D
    const runs = convolutionsRun()
    const wasm = tf.conv2d(x, w, 1, "same", "NHWC", 2).dataSync() as Float32Array
    expect(convolutionsRun()).toBe(runs)
    await tf.setBackend("cpu")
    const cpu = tf.conv2d(tf.tensor(x.dataSync(), x.shape) as tf.Tensor4D, tf.tensor(w.dataSync(), w.shape) as tf.Tensor4D, 1, "same", "NHWC", 2).dataSync() as Float32Array
    expect(relativeError(cpu, wasm)).toBeLessThan(1e-4)
    await tf.setBackend("wasm")
  })

  it("training: tensors, heap data ids and cached primitives (convs, sums) stay flat over 100 steps, and the loss falls", async () => {
    await tf.setBackend("wasm")
    const net = referenceNet("stride", 3, 1, [4, 8, 8])
    const { x, y } = randomBatch(4, 8, 12)
    const optimizer = adam(1e-2)
    const first = trainStep(net, optimizer, x, y)
    const tensors = tf.memory().numTensors, heapIds = tf.backend().numDataIds(), plans = cachedConvPlans(), sums = cachedRowSumPlans()
    let last = first
    for (let i = 1; i < 100; i++) {
      last = trainStep(net, optimizer, x, y)
      expect(tf.memory().numTensors).toBe(tensors)
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve)) // let vitest's worker talk to its parent
    }
    expect(tf.backend().numDataIds()).toBe(heapIds)
    expect(cachedConvPlans()).toBe(plans)
    expect(cachedRowSumPlans()).toBe(sums)
    expect(last).toBeLessThan(first * 0.5)
    optimizer.dispose()
    net.dispose()
    tf.dispose([x, y])
  })

  it("the same training steps give the same bytes twice (same threads)", async () => {
    await tf.setBackend("wasm")
    const weightsAfter = (): Array<Float32Array> => {
      const net = referenceNet("stride", 5, 1, [8, 16, 16])
      const { x, y } = randomBatch(6, 33, 14)
      const optimizer = adam(1e-2)
      for (let i = 0; i < 3; i++) trainStep(net, optimizer, x, y)
      const values = net.variables.map((v) => v.dataSync() as Float32Array)
      optimizer.dispose()
      net.dispose()
      tf.dispose([x, y])
      return values
    }
    const a = weightsAfter(), b = weightsAfter()
    a.forEach((values, i) => expect(Buffer.from(values.buffer).equals(Buffer.from(b[i].buffer))).toBe(true))
  })
})
