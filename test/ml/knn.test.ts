import { beforeAll, describe, expect, it } from "vitest"
import { blockedSimilarity, knnEvaluate, loopSimilarity, nearestNeighbours, oneDnnSimilarity, rankScores, similarityEngineFor, tfSimilarity, unitRows, weightedVotes } from "../../ml/knn.ts"
import { probeOneDnn } from "../../ml/onednn/library.ts"
import type { LabelledEmbeddings } from "../../ml/linear-probe.ts"
import { makeRng } from "../../ml/random.ts"
import { useCpu } from "./fixtures.ts"

beforeAll(useCpu)

const set = (rows: ReadonlyArray<readonly [number, number]>, labels: ReadonlyArray<number>): LabelledEmbeddings => ({
  values: Float32Array.from(rows.flat()),
  labels: Uint8Array.from(labels),
  count: rows.length,
  dim: 2
})

// Train: (1,0) class 0, (0,1) class 1, (1,1) class 1. The query (2, 0.2) has cosine 0.9950 with
// (1,0), 0.7739 with (1,1) and 0.0995 with (0,1): nearest first 0, 2, 1.
const train = set([[1, 0], [0, 1], [1, 1]], [0, 1, 1])
const query = set([[2, 0.2]], [0])
const cos = [2 / Math.hypot(2, 0.2), 0.2 / Math.hypot(2, 0.2), 2.2 / (Math.hypot(2, 0.2) * Math.SQRT2)]

const neighboursOf = (queries: LabelledEmbeddings, k: number, step?: number) =>
  nearestNeighbours(unitRows(queries), queries.count, 2, train.count, k, loopSimilarity(unitRows(train), train.count, 2), step)

describe("kNN building blocks, checked by hand", () => {
  it("scales rows to unit length and leaves a zero row at zero", () => {
    expect(Array.from(unitRows(set([[3, 4], [0, 0]], [0, 0])))).toEqual([0.6, 0.800000011920929, 0, 0].map(Math.fround))
  })

  it("finds the neighbours most similar first, ties to the lower train index", () => {
    const n = neighboursOf(query, 3)
    expect(Array.from(n.indices)).toEqual([0, 2, 1])
    Array.from(n.similarities).forEach((s, i) => expect(s).toBeCloseTo(cos[[0, 2, 1][i]], 6))
    // the query (1,1) is equally similar to (0,1), (1,0) and (0,1) again: lower index first
    const tie = nearestNeighbours(unitRows(set([[1, 1]], [1])), 1, 2, 3, 3, loopSimilarity(unitRows(set([[0, 1], [1, 0], [0, 1]], [0, 0, 0])), 3, 2))
    expect(Array.from(tie.indices)).toEqual([0, 1, 2])
  })

  it("gives the same neighbours whatever the block size", () => {
    const queries = set([[2, 0.2], [0.1, 1], [-1, 1], [1, 0.9], [0, -1]], [0, 1, 1, 1, 0])
    const whole = neighboursOf(queries, 2)
    for (const step of [1, 2, 3]) expect(Array.from(neighboursOf(queries, 2, step).indices)).toEqual(Array.from(whole.indices))
  })

  it("weights each vote exp(similarity / T): the temperature decides between one close and two far neighbours", () => {
    const n = neighboursOf(query, 3)
    const warm = weightedVotes(n, train.labels, 3, 1, 2)
    expect(warm[0]).toBeCloseTo(Math.exp(cos[0]), 6)
    expect(warm[1]).toBeCloseTo(Math.exp(cos[1]) + Math.exp(cos[2]), 6)
    expect(rankScores(warm, query.labels, 2).predictions[0]).toBe(1) // 2.705 < 2.168 + 1.105
    const cold = weightedVotes(n, train.labels, 3, 0.07, 2)
    expect(rankScores(cold, query.labels, 2).predictions[0]).toBe(0) // e^14.2 dwarfs e^11.1 + e^1.4
    expect(Array.from(weightedVotes(n, train.labels, 1, 1, 2))).toEqual([Math.exp(Math.fround(cos[0])), 0])
  })

  it("counts Top-1 and Top-5 from the vote ranks, ties to the lower class", () => {
    // 7 classes; row 0: true class 6 ranked 6th (five classes above it), row 1: tied with class 0 for first
    const scores = Float64Array.from([7, 6, 5, 4, 3, 0, 2, 1, 0, 0, 0, 0, 0, 1])
    const ranked = rankScores(scores, Uint8Array.from([6, 6]), 7)
    expect(Array.from(ranked.predictions)).toEqual([0, 0])
    expect(ranked.top1).toBe(0)
    expect(ranked.top5).toBe(0.5)
    expect(rankScores(Float64Array.from([0, 0, 1]), Uint8Array.from([2]), 3).top1).toBe(1)
  })
})

describe("knnEvaluate", () => {
  /** Two interleaved rings: class by angle sector, so near neighbours agree and far ones do not. */
  const ring = (count: number, seed: string, noise: number): LabelledEmbeddings => {
    const rng = makeRng(seed)
    const values = new Float32Array(count * 8)
    const labels = new Uint8Array(count)
    for (let n = 0; n < count; n++) {
      labels[n] = n % 4
      const angle = (labels[n] + 0.5) * (Math.PI / 2) + rng.normal() * noise
      values[n * 8] = Math.cos(angle)
      values[n * 8 + 1] = Math.sin(angle)
      for (let d = 2; d < 8; d++) values[n * 8 + d] = rng.normal() * noise
    }
    return { values, labels, count, dim: 8 }
  }
  const options = { classCount: 4, kGrid: [1, 5, 20, 500], temperature: 0.07 }

  it("chooses k on val and scores test; the tfjs engine agrees with the plain loops", () => {
    const [tr, va, te] = [ring(400, "train", 0.5), ring(120, "val", 0.5), ring(160, "test", 0.5)]
    const viaLoops = knnEvaluate(tr, va, te, options, loopSimilarity)
    expect(viaLoops.grid.map((g) => g.k)).toEqual([1, 5, 20, 400]) // 500 clipped to the train size
    expect(viaLoops.grid.find((g) => g.k === viaLoops.k)!.valTop1).toBe(Math.max(...viaLoops.grid.map((g) => g.valTop1)))
    expect(viaLoops.top1).toBeGreaterThan(0.6)
    expect(viaLoops.top5).toBe(1) // 4 classes
    expect(viaLoops.predictions).toHaveLength(160)
    for (const engine of [tfSimilarity, blockedSimilarity]) {
      const other = knnEvaluate(tr, va, te, options, engine)
      expect(other.k).toBe(viaLoops.k)
      expect(other.top1).toBeCloseTo(viaLoops.top1, 10)
    }
  })

  it("the blocked engine gives the plain loops' similarities, edges included", () => {
    const rng = makeRng("blocked")
    for (const [rows, bankRows, dim] of [[7, 10, 5], [4, 4, 3], [1, 3, 2], [9, 13, 8]]) {
      const bank = Float32Array.from({ length: bankRows * dim }, () => rng.normal())
      const queries = Float32Array.from({ length: rows * dim }, () => rng.normal())
      const expected = loopSimilarity(bank, bankRows, dim).block(queries, rows)
      const got = blockedSimilarity(bank, bankRows, dim).block(queries, rows)
      expect(got).toHaveLength(rows * bankRows)
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5))
    }
  })

  const onednn = probeOneDnn()
  it.skipIf(!onednn.available)(`the oneDNN matmul engine gives the plain loops' similarities, edges and sub-blocks included${onednn.available ? "" : ` (skipped: ${onednn.reason})`}`, () => {
    const rng = makeRng("matmul")
    for (const [rows, bankRows, dim] of [[7, 10, 5], [1, 3, 2], [9, 13, 8], [33, 70, 784]]) {
      const bank = Float32Array.from({ length: bankRows * dim }, () => rng.normal())
      // a view into a larger array: blocks of queries are subarrays in nearestNeighbours
      const padded = Float32Array.from({ length: (rows + 2) * dim }, () => rng.normal())
      const queries = padded.subarray(dim, (rows + 1) * dim)
      const expected = loopSimilarity(bank, bankRows, dim).block(queries, rows)
      const got = oneDnnSimilarity(bank, bankRows, dim).block(queries, rows)
      expect(got).toHaveLength(rows * bankRows)
      got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected[i]))))
    }
    const [tr, va, te] = [ring(400, "train", 0.5), ring(120, "val", 0.5), ring(160, "test", 0.5)]
    const viaLoops = knnEvaluate(tr, va, te, options, loopSimilarity)
    const viaGemm = knnEvaluate(tr, va, te, options, similarityEngineFor("native"))
    expect(viaGemm.k).toBe(viaLoops.k)
    expect(viaGemm.top1).toBeCloseTo(viaLoops.top1, 10)
  })

  it("picks oneDNN's matmul only on the native backend", () => {
    expect(similarityEngineFor("native")).toBe(oneDnnSimilarity)
    expect(similarityEngineFor("wasm")).toBe(blockedSimilarity)
  })

  it("never reads the test labels to choose k", () => {
    const [tr, va, te] = [ring(200, "train", 0.8), ring(100, "val", 0.8), ring(100, "test", 0.8)]
    const shuffled = { ...te, labels: te.labels.map((l) => (l + 1) % 4) }
    const a = knnEvaluate(tr, va, te, options, loopSimilarity)
    const b = knnEvaluate(tr, va, shuffled, options, loopSimilarity)
    expect(b.k).toBe(a.k)
    expect(b.grid).toEqual(a.grid)
    expect(Array.from(b.predictions)).toEqual(Array.from(a.predictions))
  })
})
