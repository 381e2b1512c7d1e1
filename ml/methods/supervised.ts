/**
 * Supervised baseline (an upper bound, not SSL): the same encoder plus a linear classifier,
 * trained with labels and softmax cross-entropy.
 */
import * as tf from "@tensorflow/tfjs-core"
import { addDense, dense, type ParamSet } from "../weights.ts"
import type { MethodContext, TrainableMethod } from "./method.ts"

/** Mean softmax cross-entropy of logits [B, K] against integer labels [B]. */
export const crossEntropy = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => {
    const oneHot = tf.oneHot(labels, logits.shape[1])
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar
  })

export const makeSupervised = (context: MethodContext): TrainableMethod => {
  const heads: ParamSet = new Map()
  addDense(heads, "classifier", context.encoder.spec.embeddingDim, context.classCount, context.rng)
  return {
    views: 1,
    heads,
    loss: ({ views, labels }) => crossEntropy(dense(heads, "classifier", context.encoder.apply(views[0]).embedding), labels)
  }
}
