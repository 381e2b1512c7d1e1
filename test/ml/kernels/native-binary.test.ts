/**
 * The native set's Add / Sub / Mul / RealDiv (oneDNN binary, in place on the wasm heap) against tfjs's cpu
 * backend: a bias broadcast over NHWC activations, operands either way round, and the cases left to the
 * kernel each replaces (same shapes, scalars, small tensors, column broadcasts). Skipped (saying why) without libdnnl.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { selectBackend } from "../../../ml/backend.ts"
import { binaryRuns, cachedBinaryPlans } from "../../../ml/onednn/binary.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { makeRng } from "../../../ml/random.ts"

const onednn = probeOneDnn()
const title = (name: string) => (onednn.available ? name : `${name} (skipped: ${onednn.reason})`)

type Op = "add" | "sub" | "mul" | "div"
const apply = (op: Op, a: tf.Tensor, b: tf.Tensor) => (op === "add" ? tf.add(a, b) : op === "sub" ? tf.sub(a, b) : op === "mul" ? tf.mul(a, b) : tf.div(a, b))
interface Case { op: Op; a: Array<number>; b: Array<number>; native: boolean }
const cases: Array<Case> = [
  { op: "add", a: [8, 28, 28, 16], b: [16], native: true }, // a conv's bias
  { op: "add", a: [16], b: [8, 28, 28, 16], native: true }, // the other way round
  { op: "sub", a: [64, 300], b: [300], native: true },
  { op: "div", a: [2, 64, 300], b: [1, 1, 300], native: true },
  { op: "sub", a: [64, 300], b: [64, 300], native: false }, // same shapes: wasm's XNNPACK is faster
  { op: "mul", a: [64, 300], b: [], native: false }, // a scalar: likewise
  { op: "sub", a: [300], b: [64, 300], native: false }, // not commutative: the kernel it replaced
  { op: "mul", a: [64, 300], b: [64, 1], native: false }, // a column broadcast
  { op: "add", a: [10, 10], b: [10], native: false } // small
]

const evaluate = async (backend: string, c: Case, seed: string) => {
  await tf.setBackend(backend)
  const rng = makeRng(seed)
  const random = (shape: Array<number>) => tf.tensor(Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal() + 3), shape)
  return tf.tidy(() => {
    const y = apply(c.op, random(c.a), random(c.b))
    return { shape: y.shape, values: y.dataSync() as Float32Array }
  })
}

describe.skipIf(!onednn.available)(title("native Add / Sub / Mul / RealDiv vs the cpu backend"), () => {
  beforeAll(async () => { await selectBackend("native", { threads: 2 }) })
  afterAll(async () => { await tf.setBackend("wasm") })

  it.each(cases.map((c, i) => [i, JSON.stringify(c), c] as const))("case %i %s", async (i, _label, c) => {
    const expected = await evaluate("cpu", c, `binary-${i}`)
    const runs = binaryRuns()
    const actual = await evaluate("wasm", c, `binary-${i}`)
    expect(binaryRuns() > runs).toBe(c.native)
    expect(actual.shape).toEqual(expected.shape)
    expected.values.forEach((v, j) => expect(Math.abs(actual.values[j] - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))))
  })

  it("caches one plan per operation and shape", async () => {
    await tf.setBackend("wasm")
    const a = tf.randomNormal([64, 300]), b = tf.randomNormal([300])
    tf.dispose(tf.add(a, b))
    const plans = cachedBinaryPlans(), tensors = tf.memory().numTensors
    for (let i = 0; i < 20; i++) tf.dispose(tf.add(a, b))
    expect(cachedBinaryPlans()).toBe(plans)
    expect(tf.memory().numTensors).toBe(tensors)
    tf.dispose([a, b])
  })
})
