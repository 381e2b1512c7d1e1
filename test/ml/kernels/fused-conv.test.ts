/**
 * relu(conv2d(x, w) + b) as one FusedConv2D kernel with the project's gradient (ml/conv-bias-relu.ts,
 * ml/kernels/fused-conv-gradient.ts): value and the three gradients against the unfused ops on tfjs's cpu
 * backend, within 1e-4, on the seed wasm kernels and (with libdnnl) on oneDNN's fused convolution; and
 * only the gradients asked for are computed (the network input's is not).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { convBiasRelu } from "../../../ml/conv-bias-relu.ts"
import { convolutionsRun } from "../../../ml/onednn/convolution.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { makeRng } from "../../../ml/random.ts"
import { randomTensor, relativeError } from "./compare.ts"

interface Case { batch: number; size: [number, number]; cin: number; cout: number; stride: number; pad: "same" | "valid" }

const onednn = probeOneDnn()

const cases: Array<Case> = [
  // the encoders' layers (quick's and full's widths), then odd sizes, valid padding and a partial batch
  ...[[1, 16, 28, 1], [16, 32, 28, 2], [32, 64, 14, 2], [1, 32, 28, 1], [64, 128, 14, 2]].map(
    ([cin, cout, size, stride]): Case => ({ batch: 2, size: [size, size], cin, cout, stride, pad: "same" })
  ),
  { batch: 3, size: [7, 9], cin: 3, cout: 5, stride: 2, pad: "same" },
  { batch: 1, size: [9, 7], cin: 1, cout: 4, stride: 2, pad: "valid" },
  { batch: 3, size: [13, 13], cin: 2, cout: 8, stride: 1, pad: "valid" }
]

/** y, and the gradients of sum(y * r) with respect to x, w and b; fused or as three ops. */
const evaluate = (c: Case, seed: number, fused: boolean): Array<Float32Array> => {
  const rng = makeRng(seed)
  return tf.tidy(() => {
    const x = randomTensor(rng.fork("x"), [c.batch, c.size[0], c.size[1], c.cin]) as tf.Tensor4D
    const w = randomTensor(rng.fork("w"), [3, 3, c.cin, c.cout]) as tf.Tensor4D
    const b = randomTensor(rng.fork("b"), [c.cout]) as tf.Tensor1D
    const f = (a: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor): tf.Tensor4D =>
      fused
        ? convBiasRelu(a as tf.Tensor4D, filter as tf.Tensor4D, bias as tf.Tensor1D, c.stride, c.pad)
        : (tf.relu(tf.add(tf.conv2d(a as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.pad), bias)) as tf.Tensor4D)
    const y = f(x, w, b)
    const r = randomTensor(rng.fork("r"), y.shape)
    const grads = tf.grads((a: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(f(a, filter, bias), r)))([x, w, b])
    return [y, ...grads].map((t) => t.dataSync() as Float32Array)
  })
}

const expectClose = (expected: Array<Float32Array>, actual: Array<Float32Array>): void => {
  ;["value", "input gradient", "filter gradient", "bias gradient"].forEach((what, i) =>
    expect(relativeError(expected[i], actual[i]), what).toBeLessThan(1e-4)
  )
}

describe("conv + bias + ReLU as one kernel", () => {
  beforeAll(async () => { await selectBackend("wasm") }) // registers the gradients, the project's included
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each(cases.map((c, i) => [i, JSON.stringify(c), c] as const))("case %i %s: fused on cpu and seed wasm match the unfused ops", async (i, _label, c) => {
    await tf.setBackend("cpu")
    const reference = evaluate(c, i, false)
    expectClose(reference, evaluate(c, i, true))
    await selectBackend("wasm")
    expectClose(reference, evaluate(c, i, true))
  })

  it.skipIf(!onednn.available).each(cases.map((c, i) => [i, JSON.stringify(c), c] as const))(
    `case %i %s: oneDNN's fused convolution matches the unfused ops${onednn.available ? "" : ` (skipped: ${onednn.available ? "" : onednn.reason})`}`,
    async (i, _label, c) => {
      await tf.setBackend("cpu")
      const reference = evaluate(c, i, false)
      await selectBackend("native", { threads: 2 })
      const runs = convolutionsRun()
      expectClose(reference, evaluate(c, i, true))
      // the value twice (alone and under grads), then both gradients
      expect(convolutionsRun() - runs).toBe(4)
    }
  )

  it("computes only the gradients asked for: none for an input that is not trained", async () => {
    const c = cases[1]
    await (onednn.available ? selectBackend("native", { threads: 2 }) : selectBackend("wasm"))
    const rng = makeRng("only")
    const x = randomTensor(rng.fork("x"), [c.batch, c.size[0], c.size[1], c.cin]) as tf.Tensor4D
    const w = tf.variable(randomTensor(rng.fork("w"), [3, 3, c.cin, c.cout])) as tf.Variable<tf.Rank.R4>
    const b = tf.variable(randomTensor(rng.fork("b"), [c.cout])) as tf.Variable<tf.Rank.R1>
    const kernels: Array<string> = []
    const profile = await tf.profile(() => {
      const { grads } = tf.variableGrads(() => tf.sum(convBiasRelu(x, w, b, c.stride, c.pad)) as tf.Scalar, [w, b])
      tf.dispose(Object.values(grads))
    })
    kernels.push(...profile.kernels.map((k) => k.name))
    expect(kernels.filter((k) => k === tf.Conv2DBackpropFilter)).toHaveLength(1)
    expect(kernels).not.toContain(tf.Conv2DBackpropInput)
    tf.dispose([x, w, b])
  })
})
