import { beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { planCosts } from "../../../ml/kernels/batch-mat-mul.ts"
import { makeRng } from "../../../ml/random.ts"

const randomTensor = (seed: string, shape: Array<number>): tf.Tensor =>
  tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, makeRng(seed).normal), shape)

const onBoth = async (f: () => tf.Tensor) => {
  const run = async (backend: string) => {
    await tf.setBackend(backend)
    return tf.tidy(() => {
      const out = f()
      return { shape: out.shape, values: out.dataSync() as Float32Array }
    })
  }
  return { cpu: await run("cpu"), wasm: await run("wasm") }
}

describe("wasm BatchMatMul vs the cpu backend", () => {
  beforeAll(async () => { await selectBackend("wasm") })
  // [a shape, b shape, transposeA, transposeB]: every transpose combination, both plans
  // (a wide n favours C^T = B'^T A'^T), rank-3 single products, and batched ones (stock kernel).
  const cases: ReadonlyArray<readonly [Array<number>, Array<number>, boolean, boolean]> = [
    [[37, 19], [19, 23], false, false],
    [[37, 19], [23, 19], false, true],
    [[19, 37], [19, 23], true, false],
    [[19, 37], [23, 19], true, true],
    [[5, 64], [300, 64], false, true],
    [[64, 5], [64, 300], true, false],
    [[300, 8], [9, 8], false, true],
    [[1, 12, 7], [1, 9, 7], false, true],
    [[1, 7, 12], [7, 9], true, false],
    [[3, 7, 12], [3, 7, 9], true, false]
  ]
  it.each(cases)("a %j b %j transposeA %s transposeB %s", async (aShape, bShape, transposeA, transposeB) => {
    const { cpu, wasm } = await onBoth(() =>
      tf.matMul(randomTensor("a", aShape), randomTensor("b", bShape), transposeA, transposeB)
    )
    expect(wasm.shape).toEqual(cpu.shape)
    const scale = Math.max(...cpu.values.map(Math.abs))
    const worst = Math.max(...cpu.values.map((v, i) => Math.abs(v - wasm.values[i])))
    expect(worst / scale).toBeLessThan(1e-5)
  })

  it("frees its scratch tensors", async () => {
    await tf.setBackend("wasm")
    const a = randomTensor("a", [64, 300]), b = randomTensor("b", [64, 20])
    const run = () => tf.tidy(() => tf.matMul(a, b, true, false).dataSync())
    run()
    const before = { tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() }
    for (let i = 0; i < 5; i++) run()
    expect({ tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() }).toEqual(before)
    tf.dispose([a, b])
  })

  it("packs the smaller operand: a product with a wide output is computed transposed", () => {
    const wide = planCosts({ m: 64, k: 64, n: 3136, transposeA: false, transposeB: true })
    expect(wide.swapped).toBeLessThan(wide.direct)
    const tall = planCosts({ m: 3136, k: 64, n: 64, transposeA: false, transposeB: true })
    expect(tall.direct).toBeLessThan(tall.swapped)
  })
})
