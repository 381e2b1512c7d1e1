import { beforeAll, describe, expect, it } from "vitest"
import { linearProbe, type LabelledEmbeddings } from "../../ml/linear-probe.ts"
import { makeRng } from "../../ml/random.ts"
import { useCpu } from "./fixtures.ts"

beforeAll(useCpu)

/** Gaussian blobs: class k centred at `separation` * e_k in `dim` dims. */
const blobs = (count: number, classes: number, dim: number, separation: number, seed: string): LabelledEmbeddings => {
  const rng = makeRng(seed)
  const values = new Float32Array(count * dim)
  const labels = new Uint8Array(count)
  for (let n = 0; n < count; n++) {
    labels[n] = n % classes
    for (let d = 0; d < dim; d++) values[n * dim + d] = rng.normal() + (d === labels[n] ? separation : 0)
  }
  return { values, labels, count, dim }
}

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
