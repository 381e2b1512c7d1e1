/**
 * The gradients of Sum and Mean, as tfjs-core computes them (dy times ones of x's shape, so the same
 * bits on every backend), but with the ones made by the backend's Fill kernel: tfjs-core's `ones` fills a
 * JavaScript array element by element and uploads it on every step (a fifth of a DIM step at `full`'s
 * sizes, where the JSD estimator sums [256, 196, 256] scores). Not Tile: wasm's is a slow generic loop.
 */
import * as tf from "@tensorflow/tfjs-core"

/** dy with the reduced axes of x put back as size-1 axes, times ones of x's shape. */
const broadcastBack = (dy: tf.Tensor, x: tf.Tensor, axis: number | Array<number>): tf.Tensor => {
  const expandedShape = x.shape.slice()
  for (const a of tf.util.parseAxisParam(axis, x.shape)) expandedShape[a] = 1
  return tf.mul(tf.reshape(dy, expandedShape), tf.fill(x.shape, 1, "float32"))
}

export const sumGradConfig: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved
    const { axis } = attrs as unknown as tf.SumAttrs
    return { x: () => broadcastBack(dy as tf.Tensor, x, axis) }
  }
}

export const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved
    const { axis } = attrs as unknown as tf.MeanAttrs
    const axes = tf.util.parseAxisParam(axis, x.shape)
    const reduceSize = axes.reduce((size, a) => size * x.shape[a], 1)
    return { x: () => tf.div(broadcastBack(dy as tf.Tensor, x, axis), reduceSize) }
  }
}
