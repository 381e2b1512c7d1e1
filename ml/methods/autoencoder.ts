/**
 * Autoencoder: the embedding is the bottleneck; a decoder (dense to the last block's map, then
 * transposed convs mirroring the encoder's strides) reconstructs the input view, with BCE or MSE.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { AutoencoderMethod } from "../../schemas/methods.ts"
import type { EncoderSpec } from "../encoder.ts"
import { addDense, dense, heNormal, param, zeros, type ParamSet } from "../weights.ts"
import type { MethodContext, TrainableMethod } from "./method.ts"

/** Reconstruction loss of logits against [0,1] targets. */
export const reconstructionLoss = (logits: tf.Tensor, target: tf.Tensor, kind: "mse" | "bce"): tf.Scalar =>
  tf.tidy(() =>
    kind === "mse"
      ? (tf.mean(tf.squaredDifference(tf.sigmoid(logits), target)) as tf.Scalar)
      : // BCE with logits, stable form: softplus(l) - y*l.
        (tf.mean(tf.sub(tf.softplus(logits), tf.mul(target, logits))) as tf.Scalar)
  )

/** Decoder target shapes: the input of each encoder block, from the last block back to the image. */
const decoderSteps = (spec: EncoderSpec) =>
  spec.widths.map((_, i) => ({
    stride: spec.strides[i],
    inChannels: spec.widths[i],
    outShape: i === 0 ? spec.inputShape : spec.blockShapes[i - 1]
  })).reverse()

export const makeAutoencoder = (config: AutoencoderMethod, context: MethodContext): TrainableMethod => {
  const spec = context.encoder.spec
  const [h, w, c] = spec.blockShapes[spec.blockShapes.length - 1]
  const heads: ParamSet = new Map()
  addDense(heads, "decoder.in", spec.embeddingDim, h * w * c, context.rng)
  const steps = decoderSteps(spec)
  steps.forEach((step, i) => {
    const outChannels = step.outShape[2]
    heads.set(`decoder.deconv${i}.w`, heNormal([3, 3, outChannels, step.inChannels], 9 * step.inChannels, context.rng))
    heads.set(`decoder.deconv${i}.b`, zeros([outChannels]))
  })
  const decode = (embedding: tf.Tensor2D): tf.Tensor4D => {
    const batch = embedding.shape[0]
    let x = tf.reshape(tf.relu(dense(heads, "decoder.in", embedding)), [batch, h, w, c]) as tf.Tensor4D
    steps.forEach((step, i) => {
      const filter = param(heads, `decoder.deconv${i}.w`) as tf.Tensor4D
      const y = tf.conv2dTranspose(x, filter, [batch, ...step.outShape], step.stride, "same")
      const biased = tf.add(y, param(heads, `decoder.deconv${i}.b`)) as tf.Tensor4D
      x = i === steps.length - 1 ? biased : tf.relu(biased)
    })
    return x
  }
  return {
    views: 1,
    heads,
    loss: ({ views }) => reconstructionLoss(decode(context.encoder.apply(views[0]).embedding), views[0], config.loss)
  }
}
