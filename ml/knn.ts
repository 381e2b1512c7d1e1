/**
 * The weighted kNN evaluation of frozen embeddings (InstDisc, Wu et al. 2018; solo-learn's
 * WeightedKNNClassifier): cosine similarity to every train embedding, the k most similar vote for
 * their class with weight exp(similarity / T), k chosen on val from a grid, then Top-1/Top-5 on test.
 * Similarities are computed a block of queries at a time (a blocked matrix product), so memory stays
 * bounded at 60k train x 10k queries. Written by hand: no maintained JS library does weighted kNN on a tfjs
 * backend, and the selection and voting below are a few loops.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { LabelledEmbeddings } from "./linear-probe.ts"
import { multiplyByTransposed } from "./onednn/matmul.ts"

export interface KnnOptions {
  readonly classCount: number
  readonly kGrid: ReadonlyArray<number>
  readonly temperature: number
}

export interface KnnResult {
  readonly top1: number
  readonly top5: number
  /** The k with the best val Top-1 (ties: the smaller k). */
  readonly k: number
  readonly valTop1: number
  /** Val Top-1 of every k tried, in grid order (k above the train size is clipped to it). */
  readonly grid: ReadonlyArray<{ readonly k: number; readonly valTop1: number }>
  /** Top-1 class of every test row, in test-set order (for the paired tests). */
  readonly predictions: Uint8Array
}

/**
 * Similarities of a block of (unit-length) queries to every train row: `rows` x bank-size,
 * row-major. `dispose` frees what the bank holds.
 */
export interface SimilarityEngine {
  readonly block: (queries: Float32Array, rows: number) => Float32Array
  readonly dispose: () => void
}

/** Rows scaled to unit L2 norm (a zero row stays zero: it is equally similar to everything). */
export const unitRows = (set: { readonly values: Float32Array; readonly count: number; readonly dim: number }): Float32Array => {
  const { values, count, dim } = set
  const out = new Float32Array(values.length)
  for (let n = 0; n < count; n++) {
    let norm = 0
    for (let d = 0; d < dim; d++) norm += values[n * dim + d] ** 2
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let d = 0; d < dim; d++) out[n * dim + d] = values[n * dim + d] * scale
  }
  return out
}

/** Plain-loop dot products against `bank` (bankRows x dim): the reference the tfjs engine is tested against. */
export const loopSimilarity = (bank: Float32Array, bankRows: number, dim: number): SimilarityEngine => ({
  block: (queries, rows) => {
    const out = new Float32Array(rows * bankRows)
    for (let q = 0; q < rows; q++)
      for (let b = 0; b < bankRows; b++) {
        let dot = 0
        for (let d = 0; d < dim; d++) dot += queries[q * dim + d] * bank[b * dim + d]
        out[q * bankRows + b] = dot
      }
    return out
  },
  dispose: () => {}
})

/**
 * Dot products four queries by four bank rows at a time (16 running sums, each loaded value used
 * four times). One run on the 2-core machine (10k bank rows x 200 queries x 512 dims, GFLOP per CPU
 * second): 2.41 blocked, 0.87 plain loops, 0.35 tfjs wasm matMul; so this is the default engine.
 */
export const blockedSimilarity = (bank: Float32Array, bankRows: number, dim: number): SimilarityEngine => ({
  block: (queries, rows) => {
    const out = new Float32Array(rows * bankRows)
    const fullRows = rows - (rows % 4)
    const fullBank = bankRows - (bankRows % 4)
    for (let q = 0; q < fullRows; q += 4) {
      const q0 = q * dim, q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim
      for (let b = 0; b < fullBank; b += 4) {
        const b0 = b * dim, b1 = b0 + dim, b2 = b1 + dim, b3 = b2 + dim
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0
        for (let d = 0; d < dim; d++) {
          const x0 = bank[b0 + d], x1 = bank[b1 + d], x2 = bank[b2 + d], x3 = bank[b3 + d]
          const a0 = queries[q0 + d], a1 = queries[q1 + d], a2 = queries[q2 + d], a3 = queries[q3 + d]
          s00 += a0 * x0; s01 += a0 * x1; s02 += a0 * x2; s03 += a0 * x3
          s10 += a1 * x0; s11 += a1 * x1; s12 += a1 * x2; s13 += a1 * x3
          s20 += a2 * x0; s21 += a2 * x1; s22 += a2 * x2; s23 += a2 * x3
          s30 += a3 * x0; s31 += a3 * x1; s32 += a3 * x2; s33 += a3 * x3
        }
        const o0 = q * bankRows + b, o1 = o0 + bankRows, o2 = o1 + bankRows, o3 = o2 + bankRows
        out[o0] = s00; out[o0 + 1] = s01; out[o0 + 2] = s02; out[o0 + 3] = s03
        out[o1] = s10; out[o1 + 1] = s11; out[o1 + 2] = s12; out[o1 + 3] = s13
        out[o2] = s20; out[o2 + 1] = s21; out[o2 + 2] = s22; out[o2 + 3] = s23
        out[o3] = s30; out[o3 + 1] = s31; out[o3 + 2] = s32; out[o3 + 3] = s33
      }
    }
    // the edges (rows or bank rows not a multiple of 4), one dot product at a time
    const single = (q: number, b: number) => {
      let dot = 0
      for (let d = 0; d < dim; d++) dot += queries[q * dim + d] * bank[b * dim + d]
      out[q * bankRows + b] = dot
    }
    for (let q = 0; q < fullRows; q++) for (let b = fullBank; b < bankRows; b++) single(q, b)
    for (let q = fullRows; q < rows; q++) for (let b = 0; b < bankRows; b++) single(q, b)
    return out
  },
  dispose: () => {}
})

/** One matMul per block on the active tfjs backend, the bank uploaded once. */
export const tfSimilarity = (bank: Float32Array, bankRows: number, dim: number): SimilarityEngine => {
  const bankTensor = tf.tensor2d(bank, [bankRows, dim])
  return {
    // read the data outside tidy: tidy walks whatever its callback returns, element by element
    block: (queries, rows) => {
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(queries, [rows, dim]), bankTensor, false, true))
      const out = product.dataSync() as Float32Array
      product.dispose()
      return out
    },
    dispose: () => bankTensor.dispose()
  }
}

/**
 * One oneDNN matmul per block (`./onednn/matmul.ts`), on the threads the native backend set: the engine
 * on the `native` backend (10-100x the blocked loops; float32 accumulation, so the last bits differ
 * from theirs, and the backend is in the kNN stage's cache key). Loads oneDNN on first use.
 */
export const oneDnnSimilarity = (bank: Float32Array, bankRows: number, dim: number): SimilarityEngine => ({
  block: (queries, rows) => {
    const out = new Float32Array(rows * bankRows)
    multiplyByTransposed(queries, rows, bank, bankRows, dim, out)
    return out
  },
  dispose: () => {}
})

/** The engine for a resolved compute backend: oneDNN's matmul on `native`, the blocked JS loops elsewhere. */
export const similarityEngineFor = (backend: string): ((bank: Float32Array, bankRows: number, dim: number) => SimilarityEngine) =>
  backend === "native" ? oneDnnSimilarity : blockedSimilarity

export interface Neighbours {
  readonly k: number
  /** Row q's neighbours at [q*k, (q+1)*k), most similar first (ties: the lower train index first). */
  readonly indices: Int32Array
  readonly similarities: Float32Array
}

/** Keeps the `k` largest entries of `row` in the sorted output slots `[offset, offset + k)`. */
const selectTop = (row: Float32Array, k: number, indices: Int32Array, sims: Float32Array, offset: number): void => {
  let filled = 0
  for (let j = 0; j < row.length; j++) {
    const s = row[j]
    if (filled === k && s <= sims[offset + k - 1]) continue
    // insert after every kept entry at least as similar, so equal similarities keep the lower index first
    let at = filled === k ? k - 1 : filled
    while (at > 0 && sims[offset + at - 1] < s) {
      sims[offset + at] = sims[offset + at - 1]
      indices[offset + at] = indices[offset + at - 1]
      at--
    }
    sims[offset + at] = s
    indices[offset + at] = j
    if (filled < k) filled++
  }
}

/** Queries per similarity block: about 16M similarities (64 MB) at a time. */
const blockRowsFor = (bankRows: number): number => Math.max(1, Math.floor(16_777_216 / Math.max(1, bankRows)))

/** The `k` most similar bank rows of every query (`queries` unit rows, count x dim). */
export const nearestNeighbours = (
  queries: Float32Array,
  count: number,
  dim: number,
  bankRows: number,
  k: number,
  engine: SimilarityEngine,
  step = blockRowsFor(bankRows)
): Neighbours => {
  const indices = new Int32Array(count * k)
  const similarities = new Float32Array(count * k)
  for (let first = 0; first < count; first += step) {
    const rows = Math.min(step, count - first)
    const block = engine.block(queries.subarray(first * dim, (first + rows) * dim), rows)
    for (let q = 0; q < rows; q++) selectTop(block.subarray(q * bankRows, (q + 1) * bankRows), k, indices, similarities, (first + q) * k)
  }
  return { k, indices, similarities }
}

/** Class scores (count x classCount) from the first `k` neighbours of each query, weights exp(sim / T). */
export const weightedVotes = (neighbours: Neighbours, bankLabels: Uint8Array, k: number, temperature: number, classCount: number): Float64Array => {
  const count = neighbours.indices.length / neighbours.k
  const scores = new Float64Array(count * classCount)
  for (let q = 0; q < count; q++)
    for (let i = 0; i < k; i++) {
      const slot = q * neighbours.k + i
      scores[q * classCount + bankLabels[neighbours.indices[slot]]] += Math.exp(neighbours.similarities[slot] / temperature)
    }
  return scores
}

/** Top-1 class per row (ties: the lower class) and the Top-1 / Top-5 accuracy against `labels`. */
export const rankScores = (scores: Float64Array, labels: Uint8Array, classCount: number) => {
  const count = labels.length
  const predictions = new Uint8Array(count)
  let top1 = 0
  let top5 = 0
  for (let q = 0; q < count; q++) {
    const row = scores.subarray(q * classCount, (q + 1) * classCount)
    let best = 0
    for (let c = 1; c < classCount; c++) if (row[c] > row[best]) best = c
    predictions[q] = best
    const truth = row[labels[q]]
    // rank of the true class: classes scoring higher, or equal and listed before it
    let ahead = 0
    for (let c = 0; c < classCount; c++) if (row[c] > truth || (row[c] === truth && c < labels[q])) ahead++
    if (ahead === 0) top1++
    if (ahead < 5) top5++
  }
  return { predictions, top1: count === 0 ? 0 : top1 / count, top5: count === 0 ? 0 : top5 / count }
}

/** Chooses k on val, then evaluates on test, with `makeEngine` computing similarities to the train rows. */
export const knnEvaluate = (
  train: LabelledEmbeddings,
  val: LabelledEmbeddings,
  test: LabelledEmbeddings,
  options: KnnOptions,
  makeEngine: (bank: Float32Array, bankRows: number, dim: number) => SimilarityEngine = blockedSimilarity
): KnnResult => {
  const { dim } = train
  const kGrid = [...new Set(options.kGrid.map((k) => Math.max(1, Math.min(k, train.count))))]
  const kMax = Math.max(...kGrid)
  const engine = makeEngine(unitRows(train), train.count, dim)
  try {
    const valNeighbours = nearestNeighbours(unitRows(val), val.count, dim, train.count, kMax, engine)
    const grid = kGrid.map((k) => ({
      k,
      valTop1: rankScores(weightedVotes(valNeighbours, train.labels, k, options.temperature, options.classCount), val.labels, options.classCount).top1
    }))
    const chosen = grid.reduce((best, g) => (g.valTop1 > best.valTop1 || (g.valTop1 === best.valTop1 && g.k < best.k) ? g : best))
    const testNeighbours = nearestNeighbours(unitRows(test), test.count, dim, train.count, chosen.k, engine)
    const ranked = rankScores(weightedVotes(testNeighbours, train.labels, chosen.k, options.temperature, options.classCount), test.labels, options.classCount)
    return { top1: ranked.top1, top5: ranked.top5, k: chosen.k, valTop1: chosen.valTop1, grid, predictions: ranked.predictions }
  } finally {
    engine.dispose()
  }
}
