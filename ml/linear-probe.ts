/**
 * The linear probe: standardise frozen embeddings with train statistics, fit multinomial logistic
 * regression (L-BFGS in JS, objective on the tfjs backend; warm-started down the L2 grid), keep the L2 with the best val Top-1, then
 * report Top-1/Top-5, per-class accuracy and the confusion matrix on test. Deterministic per backend.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { Embeddings } from "./embed.ts"
import { minimizeLbfgs } from "./lbfgs.ts"

export interface LabelledEmbeddings extends Embeddings {
  readonly labels: Uint8Array
}

export interface ProbeOptions {
  readonly classCount: number
  readonly l2Grid: ReadonlyArray<number>
  readonly maxIterations: number
}

export interface ProbeResult {
  readonly top1: number
  readonly top5: number
  readonly l2: number
  readonly valTop1: number
  /** Val Top-1 of every L2 tried, in grid order. */
  readonly grid: ReadonlyArray<{ readonly l2: number; readonly valTop1: number }>
  readonly perClass: ReadonlyArray<{ readonly label: number; readonly accuracy: number; readonly count: number }>
  /** Row-major [true, predicted] counts, classCount x classCount. */
  readonly confusion: Int32Array
  /** Top-1 predicted class of every test row, in test-set order (for paired significance tests). */
  readonly predictions: Uint8Array
}

/** Per-feature mean and std of the train rows (std 1 where a feature is constant). */
export const standardizer = (train: Embeddings) => {
  const { dim, count, values } = train
  const mean = new Float64Array(dim)
  const std = new Float64Array(dim)
  for (let n = 0; n < count; n++) for (let d = 0; d < dim; d++) mean[d] += values[n * dim + d] / count
  for (let n = 0; n < count; n++) {
    for (let d = 0; d < dim; d++) std[d] += (values[n * dim + d] - mean[d]) ** 2 / count
  }
  for (let d = 0; d < dim; d++) std[d] = std[d] > 1e-12 ? Math.sqrt(std[d]) : 1
  return <E extends Embeddings>(set: E): E => {
    const out = new Float32Array(set.values.length)
    for (let n = 0; n < set.count; n++) {
      for (let d = 0; d < dim; d++) out[n * dim + d] = (set.values[n * dim + d] - mean[d]) / std[d]
    }
    return { ...set, values: out }
  }
}

/** Class scores [count, classCount] of a weight vector laid out as W [dim, K] then b [K]. */
const scores = (set: Embeddings, weights: Float64Array, classCount: number): Float64Array => {
  const { dim, count, values } = set
  const out = new Float64Array(count * classCount)
  for (let n = 0; n < count; n++) {
    const row = n * classCount
    for (let k = 0; k < classCount; k++) out[row + k] = weights[dim * classCount + k]
    for (let d = 0; d < dim; d++) {
      const x = values[n * dim + d]
      if (x === 0) continue
      const base = d * classCount
      for (let k = 0; k < classCount; k++) out[row + k] += x * weights[base + k]
    }
  }
  return out
}

/**
 * Mean cross-entropy + l2/2 |W|^2 and its gradient, on the tfjs backend: the two N x D x K
 * products dominate, and the backend's matMul is an order of magnitude faster than a JS loop.
 * `xT` is x transposed once per probe: the gradient's x^T residual would otherwise transpose all of
 * x on every evaluation (the same product, so the same bytes).
 */
const objective = (x: tf.Tensor2D, xT: tf.Tensor2D, oneHot: tf.Tensor2D, classCount: number, l2: number) => {
  const [count, dim] = x.shape
  return (weights: Float64Array, gradient: Float64Array): number =>
    tf.tidy(() => {
      const w = tf.tensor2d(Float32Array.from(weights.subarray(0, dim * classCount)), [dim, classCount])
      const b = tf.tensor1d(Float32Array.from(weights.subarray(dim * classCount)))
      const logProbs = tf.logSoftmax(tf.add(tf.matMul(x, w), b))
      const residual = tf.div(tf.sub(tf.exp(logProbs), oneHot), count)
      const gradW = tf.add(tf.matMul(xT, residual), tf.mul(l2, w))
      const crossEntropy = tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbs))), count)
      const loss = tf.add(crossEntropy, tf.mul(l2 / 2, tf.sum(tf.square(w))))
      gradient.set(gradW.dataSync(), 0)
      gradient.set(tf.sum(residual, 0).dataSync(), dim * classCount)
      return loss.dataSync()[0]
    })
}

/** Rank of the true class among the scores of each row (0 = predicted). */
const trueRanks = (set: LabelledEmbeddings, weights: Float64Array, classCount: number): Int32Array => {
  const logits = scores(set, weights, classCount)
  const ranks = new Int32Array(set.count)
  for (let n = 0; n < set.count; n++) {
    const truth = logits[n * classCount + set.labels[n]]
    let rank = 0
    for (let k = 0; k < classCount; k++) {
      const s = logits[n * classCount + k]
      if (s > truth || (s === truth && k < set.labels[n])) rank++
    }
    ranks[n] = rank
  }
  return ranks
}

const accuracyAt = (ranks: Int32Array, k: number): number => ranks.reduce((a, r) => a + (r < k ? 1 : 0), 0) / Math.max(1, ranks.length)

/** The first best class of each row: the same tie rule as `trueRanks`, so predictions agree with Top-1. */
const argmaxRows = (logits: Float64Array, classCount: number): Uint8Array => {
  const count = logits.length / classCount
  const out = new Uint8Array(count)
  for (let n = 0; n < count; n++) {
    let best = 0
    for (let k = 1; k < classCount; k++) if (logits[n * classCount + k] > logits[n * classCount + best]) best = k
    out[n] = best
  }
  return out
}

/** Fits the probe on train, picks L2 on val, evaluates on test. */
export const linearProbe = (
  train: LabelledEmbeddings,
  val: LabelledEmbeddings,
  test: LabelledEmbeddings,
  options: ProbeOptions
): ProbeResult => {
  const K = options.classCount
  if (K > 256) throw new RangeError(`linearProbe: ${K} classes do not fit the Uint8 predictions`)
  const standardize = standardizer(train)
  const [trainZ, valZ, testZ] = [standardize(train), standardize(val), standardize(test)]
  // Strongest regularisation first: each fit warm-starts the next, weaker one.
  const grid = [...options.l2Grid].sort((a, b) => b - a)
  let weights: Float64Array = new Float64Array((train.dim + 1) * K)
  let best: { l2: number; valTop1: number; weights: Float64Array } | undefined
  const tried: Array<{ l2: number; valTop1: number }> = []
  const x = tf.tensor2d(trainZ.values, [trainZ.count, trainZ.dim])
  const xT = tf.transpose(x)
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(trainZ.labels, "int32"), K), "float32") as tf.Tensor2D)
  for (const l2 of grid) {
    weights = minimizeLbfgs(objective(x, xT, oneHot, K, l2), weights, options.maxIterations).x
    const valTop1 = accuracyAt(trueRanks(valZ, weights, K), 1)
    tried.push({ l2, valTop1 })
    if (best === undefined || valTop1 > best.valTop1) best = { l2, valTop1, weights }
  }
  tf.dispose([x, xT, oneHot])
  const chosen = best!
  const ranks = trueRanks(testZ, chosen.weights, K)
  const predicted = argmaxRows(scores(testZ, chosen.weights, K), K)
  const confusion = new Int32Array(K * K)
  const counts = new Int32Array(K)
  const correct = new Int32Array(K)
  for (let n = 0; n < test.count; n++) {
    confusion[test.labels[n] * K + predicted[n]]++
    counts[test.labels[n]]++
    if (predicted[n] === test.labels[n]) correct[test.labels[n]]++
  }
  return {
    top1: accuracyAt(ranks, 1),
    top5: accuracyAt(ranks, Math.min(5, K)),
    l2: chosen.l2,
    valTop1: chosen.valTop1,
    grid: options.l2Grid.map((l2) => tried.find((t) => t.l2 === l2)!),
    perClass: Array.from(counts, (count, label) => ({ label, accuracy: count === 0 ? 0 : correct[label] / count, count })),
    confusion,
    predictions: predicted
  }
}
