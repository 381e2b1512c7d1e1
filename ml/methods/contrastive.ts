/**
 * SimCLR: two augmented views per image, an MLP projection head, and the NT-Xent loss over the
 * 2N-2 in-batch negatives. The probe reads the encoder's embedding, before the head.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { ContrastiveMethod } from "../../schemas/methods.ts"
import { logSumExpRows } from "../log-sum-exp.ts"
import { addDense, dense, type ParamSet } from "../weights.ts"
import type { MethodContext, TrainableMethod } from "./method.ts"

/** NT-Xent of paired projections `a[i]` <-> `b[i]`, averaged over all 2N anchors. */
export const ntXentLoss = (a: tf.Tensor2D, b: tf.Tensor2D, temperature: number): tf.Scalar =>
  tf.tidy(() => {
    const n = a.shape[0]
    const z = normalizeRows(tf.concat([a, b], 0))
    const similarity = tf.div(tf.matMul(z, z, false, true), temperature)
    // An anchor is never its own negative: push the diagonal to -inf before the log-sum-exp.
    const masked = tf.sub(similarity, tf.mul(tf.eye(2 * n), 1e9))
    const positive = tf.div(tf.sum(tf.mul(tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1])), 1), temperature)
    return tf.mean(tf.sub(logSumExpRows(masked as tf.Tensor2D), tf.concat([positive, positive], 0))) as tf.Scalar
  })

const normalizeRows = (x: tf.Tensor2D): tf.Tensor2D =>
  tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)))

export const makeContrastive = (config: ContrastiveMethod, context: MethodContext): TrainableMethod => {
  const embeddingDim = context.encoder.spec.embeddingDim
  const heads: ParamSet = new Map()
  addDense(heads, "projection.hidden", embeddingDim, embeddingDim, context.rng)
  addDense(heads, "projection.out", embeddingDim, config.projectionDim, context.rng)
  const project = (h: tf.Tensor2D) => dense(heads, "projection.out", tf.relu(dense(heads, "projection.hidden", h)))
  return {
    views: 2,
    heads,
    loss: ({ views }) => {
      const n = views[0].shape[0]
      // One encoder pass over both views: half the kernel launches of two passes.
      const z = project(context.encoder.apply(tf.concat([...views], 0)).embedding)
      return ntXentLoss(tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1]), config.temperature)
    }
  }
}
