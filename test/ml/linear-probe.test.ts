import { beforeAll, describe, expect, it } from "vitest"
import { minimizeLbfgs } from "../../ml/lbfgs.ts"
import { linearProbe, type LabelledEmbeddings } from "../../ml/linear-probe.ts"
import { makeRng } from "../../data/random.ts"
import { useCpu } from "./fixtures.ts"

beforeAll(useCpu)

/** Gaussian blobs: class k centred at `separation` * e_k in `dim` dims (plus a constant feature). */
const blobs = (count: number, classes: number, dim: number, separation: number, seed: string): LabelledEmbeddings => {
  const rng = makeRng(seed)
  const values = new Float32Array(count * dim)
  const labels = new Uint8Array(count)
  for (let n = 0; n < count; n++) {
    labels[n] = n % classes
    for (let d = 0; d < dim; d++) values[n * dim + d] = rng.normal() + (d === labels[n] ? separation : 0)
    values[n * dim + dim - 1] = 3 // constant: must not break standardisation
  }
  return { values, labels, count, dim }
}

describe("minimizeLbfgs", () => {
  it("finds the minimum of a convex quadratic", () => {
    const target = [3, -2, 0.5]
    const result = minimizeLbfgs((x, g) => {
      let f = 0
      for (let i = 0; i < 3; i++) {
        const scale = i + 1
        f += scale * (x[i] - target[i]) ** 2
        g[i] = 2 * scale * (x[i] - target[i])
      }
      return f
    }, new Float64Array(3), 100)
    result.x.forEach((v, i) => expect(v).toBeCloseTo(target[i], 4))
  })
})

describe("linearProbe", () => {
  const options = { classCount: 5, l2Grid: [1e-4, 1e-2, 10], maxIterations: 100 }

  it("separates separable classes and reports consistent metrics", () => {
    const result = linearProbe(blobs(500, 5, 8, 4, "tr"), blobs(200, 5, 8, 4, "va"), blobs(300, 5, 8, 4, "te"), options)
    expect(result.top1).toBeGreaterThan(0.95)
    expect(result.top5).toBe(1)
    // The chosen L2 is the grid point with the best val Top-1 (ties go to the strongest).
    expect(result.valTop1).toBe(Math.max(...result.grid.map((g) => g.valTop1)))
    expect(result.l2).toBe(Math.max(...result.grid.filter((g) => g.valTop1 === result.valTop1).map((g) => g.l2)))
    expect(result.grid.map((g) => g.l2)).toEqual(options.l2Grid)
    expect(result.perClass.map((c) => c.count)).toEqual([60, 60, 60, 60, 60])
    expect(result.confusion.reduce((a, b) => a + b, 0)).toBe(300)
    const diagonal = [0, 1, 2, 3, 4].reduce((s, k) => s + result.confusion[k * 5 + k], 0)
    expect(diagonal / 300).toBeCloseTo(result.top1, 10)
  })

  it("is at chance on pure noise and never beats chance by much", () => {
    const result = linearProbe(blobs(500, 5, 8, 0, "a"), blobs(200, 5, 8, 0, "b"), blobs(500, 5, 8, 0, "c"), options)
    expect(result.top1).toBeLessThan(0.3)
    expect(result.top5).toBe(1)
  })

  it("Top-5 counts a hit when the true class is among the five best scores", () => {
    const ten = { classCount: 10, l2Grid: [1e-3], maxIterations: 50 }
    const result = linearProbe(blobs(400, 10, 12, 0.7, "t5a"), blobs(100, 10, 12, 0.7, "t5b"), blobs(400, 10, 12, 0.7, "t5c"), ten)
    expect(result.top5).toBeGreaterThan(result.top1)
    expect(result.top5).toBeLessThan(1)
  })

  it("is deterministic", () => {
    const run = () => linearProbe(blobs(100, 5, 8, 1, "x"), blobs(50, 5, 8, 1, "y"), blobs(50, 5, 8, 1, "z"), options)
    expect(run()).toEqual(run())
  })
})

describe("linearProbe predictions", () => {
  // overlapping classes, so that some test rows are wrong and the predictions carry information
  const sets = [blobs(400, 5, 8, 1.2, "tr"), blobs(150, 5, 8, 1.2, "va"), blobs(300, 5, 8, 1.2, "te")] as const
  const options = { classCount: 5, l2Grid: [1e-4, 1e-2, 10], maxIterations: 60 }

  it("predicts one class per test row, in agreement with Top-1 and the confusion matrix", () => {
    const result = linearProbe(...sets, options)
    const test = sets[2]
    const right = result.predictions.reduce((sum, p, n) => sum + (p === test.labels[n] ? 1 : 0), 0)
    expect(right / test.count).toBeCloseTo(result.top1, 12)
    expect(result.top1).toBeGreaterThan(0.3)
    expect(result.top1).toBeLessThan(0.95)
    const confusion = new Int32Array(25)
    result.predictions.forEach((p, n) => confusion[test.labels[n] * 5 + p]++)
    expect(confusion).toEqual(result.confusion)
  })
})
