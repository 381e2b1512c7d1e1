/**
 * The reference net of issue #3 in tfjs-core ops (same as ../shared/peers/torch_train_step.py), each
 * conv + bias + ReLU one fused op as in the encoders (ml/conv-bias-relu.ts):
 *   stride: conv3x3(32) relu, conv3x3/2(64) relu, conv3x3/2(128) relu, global average pool, dense(10)
 *   pool:   conv3x3(32) relu maxpool2, conv3x3(64) relu maxpool2, conv3x3(128) relu, gap, dense(10)
 * A module for `pnpm bench train-step` and the backend tests (as a bench name it does nothing).
 */
import * as tf from "@tensorflow/tfjs-core"
import { convBiasRelu } from "../../ml/conv-bias-relu.ts"
import { makeRng, type Rng } from "../../ml/random.ts"

export type Arch = "stride" | "pool"

export interface ReferenceNet {
  readonly variables: ReadonlyArray<tf.Variable>
  readonly logits: (x: tf.Tensor4D) => tf.Tensor2D
  readonly dispose: () => void
}

const heNormal = (rng: Rng, shape: ReadonlyArray<number>, fanIn: number): tf.Variable => {
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * Math.sqrt(2 / fanIn))
  return tf.variable(tf.tensor(values, [...shape]))
}

/** Builds the net with weights drawn from `seed`; `channels` scales the widths (32, 64, 128 by default). */
export const referenceNet = (arch: Arch, seed: number, inChannels = 1, widths: ReadonlyArray<number> = [32, 64, 128]): ReferenceNet => {
  const rng = makeRng(seed)
  const [c1, c2, c3] = widths
  const convs = [
    [inChannels, c1],
    [c1, c2],
    [c2, c3]
  ].map(([cin, cout], i) => ({
    w: heNormal(rng.fork(`w${i}`), [3, 3, cin, cout], 9 * cin),
    b: tf.variable(tf.zeros([cout]))
  }))
  const dense = { w: heNormal(rng.fork("dense"), [c3, 10], c3), b: tf.variable(tf.zeros([10])) }
  const logits = (x: tf.Tensor4D): tf.Tensor2D => {
    let h: tf.Tensor4D = x
    convs.forEach(({ w, b }, i) => {
      const stride = arch === "stride" && i > 0 ? 2 : 1
      h = convBiasRelu(h, w as tf.Tensor4D, b as tf.Tensor1D, stride, "same")
      if (arch === "pool" && i < 2) h = tf.maxPool(h, 2, 2, "valid")
    })
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D
    return tf.add(tf.matMul(pooled, dense.w as tf.Tensor2D), dense.b)
  }
  const variables = [...convs.flatMap(({ w, b }) => [w, b]), dense.w, dense.b]
  return { variables, logits, dispose: () => variables.forEach((v) => v.dispose()) }
}

/** A fixed random batch (NHWC inputs, one-hot labels) drawn from `seed`. */
export const randomBatch = (seed: number, batch: number, size = 28, channels = 1): { x: tf.Tensor4D; y: tf.Tensor2D } => {
  const rng = makeRng(seed)
  const pixels = rng.fork("x"), labels = rng.fork("y")
  const x = tf.tensor4d(Float32Array.from({ length: batch * size * size * channels }, () => pixels.normal()), [batch, size, size, channels])
  const y = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => labels.int(10)), "int32"), 10), "float32") as tf.Tensor2D
  return { x, y }
}

/** One Adam step of softmax cross-entropy on (x, y); returns the loss. */
export const trainStep = (net: ReferenceNet, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor2D): number => {
  const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.logits(x)) as tf.Scalar, true, [...net.variables])
  const value = loss!.dataSync()[0]
  loss!.dispose()
  return value
}
