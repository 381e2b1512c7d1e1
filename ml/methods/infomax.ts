/**
 * Deep InfoMax (Hjelm et al. 2019). The global vector is the encoder's embedding; the local map is
 * an intermediate block's output (by default the block before the last, so the global vector is
 * computed by the layers above it). Encode-and-dot discriminators score (local, global) pairs and
 * the JSD (default) or infoNCE estimator takes positives from the same image and negatives from the
 * rest of the batch.
 * Loss = -(alpha * global MI + beta * local MI) + gamma * adversarial prior matching: a discriminator
 * tells uniform prior samples from the squashed global vector, and the gradient reversal makes the
 * same loss push the encoder to fool it (the paper's one-step form of the minimax game).
 */
import * as tf from "@tensorflow/tfjs-core"
import type { InfomaxMethod } from "../../schemas/methods.ts"
import { resolveBlock } from "../encoder.ts"
import { logSumExpRows } from "../log-sum-exp.ts"
import { addDense, dense, type ParamSet } from "../weights.ts"
import type { MethodContext, TrainableMethod } from "./method.ts"

/**
 * JSD mutual-information estimate from scores [B, K, B]: entry (i, k, j) scores local feature k of
 * image i against the global vector of image j; pairs with i = j are positives.
 * E_pos[-softplus(-s)] - E_neg[softplus(s)]: -2 log 2 at chance, approaching 0 as the scores separate.
 */
export const jsdMiEstimate = (scores: tf.Tensor3D): tf.Scalar =>
  tf.tidy(() => {
    const [b, k] = scores.shape
    const positiveMask = tf.reshape(tf.eye(b), [b, 1, b])
    const negativeMask = tf.sub(1, positiveMask)
    const positive = tf.div(tf.sum(tf.mul(tf.neg(tf.softplus(tf.neg(scores))), positiveMask)), b * k)
    const negative = tf.div(tf.sum(tf.mul(tf.softplus(scores), negativeMask)), Math.max(1, b * k * (b - 1)))
    return tf.sub(positive, negative) as tf.Scalar
  })

/**
 * Pair scores [B, K, B] of K local codes per image [B, K, D] against global codes [B, D], divided by
 * sqrt(D) so freshly initialised codes start near chance instead of saturating the softplus.
 */
export const pairScores = (local: tf.Tensor3D, global: tf.Tensor2D): tf.Tensor3D => {
  const [b, k, d] = local.shape
  const dots = tf.matMul(tf.reshape(local, [b * k, d]), global, false, true)
  return tf.reshape(tf.div(dots, Math.sqrt(d)), [b, k, b])
}

/** The positive pairs' scores [B, K]: local code k of image i against image i's own global code, over sqrt(D) as in pairScores. */
const positiveScores = (local: tf.Tensor3D, global: tf.Tensor2D): tf.Tensor2D =>
  tf.div(tf.sum(tf.mul(local, tf.expandDims(global, 1)), 2), Math.sqrt(local.shape[2]))

/**
 * jsdMiEstimate(pairScores(local, global)) computed with one pass over the [B, K, B] scores instead of
 * eight (masks, negations, two softplus): with -softplus(-s) = s - softplus(s),
 *   E_pos = (sum_pos s - sum_pos softplus(s)) / BK
 *   E_neg = (sum_all softplus(s) - sum_pos softplus(s)) / BK(B - 1)
 * where the positive scores (local code k of image i against image i's own global code) are taken
 * directly as [B, K] dot products. Equal to the reference up to float rounding (tested).
 */
export const jsdMiFromCodes = (local: tf.Tensor3D, global: tf.Tensor2D): tf.Scalar =>
  tf.tidy(() => {
    const [b, k] = local.shape
    const positives = positiveScores(local, global)
    const softPositives = tf.sum(tf.softplus(positives))
    const softAll = tf.sum(tf.softplus(pairScores(local, global)))
    const positive = tf.div(tf.sub(tf.sum(positives), softPositives), b * k)
    const negative = tf.div(tf.sub(softAll, softPositives), Math.max(1, b * k * (b - 1)))
    return tf.sub(positive, negative) as tf.Scalar
  })

/**
 * infoNCE mutual-information estimate from local codes [B, K, D] and global codes [B, D], as in the
 * authors' code: each positive pair (local code k of image i, global code of image i) is classified
 * against the global code of image i paired with every local code of every other image, so
 *   log p(i, k) = s(i,k | i) - log(exp s(i,k | i) + sum over j != i, k' of exp s(j,k' | i))
 *               = -softplus(n_i - s(i,k | i)), n_i = log-sum-exp of image i's negative scores.
 * Returns the mean of log p (at most 0; log(1 / (1 + (B - 1) K)) at chance). Scores are divided by
 * sqrt(D), as pairScores does.
 */
export const nceMiFromCodes = (local: tf.Tensor3D, global: tf.Tensor2D): tf.Scalar =>
  tf.tidy(() => {
    const [b, k, d] = local.shape
    const scale = Math.sqrt(d)
    const positives = positiveScores(local, global)
    // [B globals, B, K locals]; an image's own locals are pushed far below every other score. The
    // [B, B, 1] penalty broadcasts over K: tiling it to the full [B, B*K] first cost more than the rest
    // of the estimator's forward and backward passes together at `full`'s sizes (256 x 50,176)
    const all = tf.reshape(tf.div(tf.matMul(global, tf.reshape(local, [b * k, d]), false, true), scale), [b, b, k])
    const ownImage = tf.reshape(tf.mul(tf.eye(b), 1e4), [b, b, 1])
    const negatives = logSumExpRows(tf.reshape(tf.sub(all, ownImage), [b, b * k]) as tf.Tensor2D)
    return tf.neg(tf.mean(tf.softplus(tf.sub(tf.expandDims(negatives, 1), positives)))) as tf.Scalar
  })

/** The MI estimate a config names. */
const miEstimate = (estimator: InfomaxMethod["estimator"]) => (estimator === "nce" ? nceMiFromCodes : jsdMiFromCodes)

/** Gradient reversal: identity forward, negated gradient backward (one-step adversarial training). */
const reverseGradient = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.neg(dy)
}))

/**
 * The prior-matching discriminator's cross-entropy: prior samples labelled 1, the encoder's global
 * vector (squashed by a sigmoid onto the uniform prior's support [0, 1]) labelled 0. Minimising it
 * trains the discriminator; the gradient reversal on the encoder's side makes the encoder maximise
 * it, i.e. move its outputs toward the prior.
 */
export const priorMatchingLoss = (
  logits: (x: tf.Tensor2D) => tf.Tensor2D,
  prior: tf.Tensor2D,
  embedding: tf.Tensor2D
): tf.Scalar =>
  tf.tidy(() => {
    const fake = reverseGradient(tf.sigmoid(embedding)) as tf.Tensor2D
    return tf.add(tf.mean(tf.softplus(tf.neg(logits(prior)))), tf.mean(tf.softplus(logits(fake)))) as tf.Scalar
  })

/**
 * Average pooling of [B, h, w, c] by `factor` per side, as reshapes and means: their gradients exist
 * on every backend (the wasm backend has no AvgPoolGrad kernel).
 */
export const poolLocalMap = (map: tf.Tensor4D, factor: number): tf.Tensor4D => {
  if (factor === 1) return map
  const [b, h, w, c] = map.shape
  const [ph, pw] = [h / factor, w / factor]
  const rows = tf.mean(tf.reshape(map, [b * ph, factor, w * c]), 1)
  const cells = tf.mean(tf.reshape(rows, [b * ph * pw, factor, c]), 1)
  return tf.reshape(cells, [b, ph, pw, c])
}

/** A two-layer MLP with a linear shortcut, as DIM uses for its encode-and-dot discriminators. */
const addCodeNet = (heads: ParamSet, prefix: string, inDim: number, outDim: number, context: MethodContext) => {
  addDense(heads, `${prefix}.hidden`, inDim, outDim, context.rng)
  addDense(heads, `${prefix}.out`, outDim, outDim, context.rng)
  addDense(heads, `${prefix}.shortcut`, inDim, outDim, context.rng)
  return (x: tf.Tensor2D): tf.Tensor2D =>
    tf.add(dense(heads, `${prefix}.out`, tf.relu(dense(heads, `${prefix}.hidden`, x))), dense(heads, `${prefix}.shortcut`, x))
}

export const makeInfomax = (config: InfomaxMethod, context: MethodContext): TrainableMethod => {
  const spec = context.encoder.spec
  const localBlock = resolveBlock(spec, config.localLayer)
  const [blockH, blockW, mc] = spec.blockShapes[localBlock]
  if (blockH % config.localPool !== 0 || blockW % config.localPool !== 0) {
    throw new Error(`infomax localPool ${config.localPool} does not divide block ${config.localLayer}'s ${blockH}x${blockW} map`)
  }
  const [mh, mw] = [blockH / config.localPool, blockW / config.localPool]
  const e = spec.embeddingDim
  const d = config.discriminatorDim
  const heads: ParamSet = new Map()
  const localCode = addCodeNet(heads, "local.localCode", mc, d, context)
  const globalCode = addCodeNet(heads, "local.globalCode", e, d, context)
  const globalPair = config.alpha > 0
    ? { map: addCodeNet(heads, "global.mapCode", mh * mw * mc, d, context), vec: addCodeNet(heads, "global.globalCode", e, d, context) }
    : undefined
  if (config.gamma > 0) {
    addDense(heads, "prior.hidden", e, d, context.rng)
    addDense(heads, "prior.out", d, 1, context.rng)
  }
  const mi = miEstimate(config.estimator)
  const priorLogits = (x: tf.Tensor2D) => dense(heads, "prior.out", tf.relu(dense(heads, "prior.hidden", x)))

  return {
    views: 1,
    heads,
    loss: ({ views, rng }) => {
      const { blocks, embedding } = context.encoder.apply(views[0])
      const b = embedding.shape[0]
      const localMap = poolLocalMap(blocks[localBlock], config.localPool)
      const locals = tf.reshape(localCode(tf.reshape(localMap, [b * mh * mw, mc])), [b, mh * mw, d]) as tf.Tensor3D
      let loss = tf.mul(-config.beta, mi(locals, globalCode(embedding)))
      if (globalPair !== undefined) {
        const mapCode = tf.reshape(globalPair.map(tf.reshape(localMap, [b, mh * mw * mc])), [b, 1, d]) as tf.Tensor3D
        loss = tf.sub(loss, tf.mul(config.alpha, mi(mapCode, globalPair.vec(embedding))))
      }
      if (config.gamma > 0) {
        const prior = tf.randomUniform([b, e], 0, 1, "float32", rng.seed32()) as tf.Tensor2D
        loss = tf.add(loss, tf.mul(config.gamma, priorMatchingLoss(priorLogits, prior, embedding)))
      }
      return loss as tf.Scalar
    }
  }
}
