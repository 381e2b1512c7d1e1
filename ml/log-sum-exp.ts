/**
 * log(sum(exp(x))) along each row, with the gradient dy * softmax(x) taken from the saved value.
 * tfjs-core's logSumExp subtracts the row maximum and differentiates through that maximum too (its
 * terms cancel): on wasm that is a broadcast Equal over the [2N, 2N] similarity matrix, 18 ms of a
 * 512-view contrastive step at `full`'s sizes.
 */
import * as tf from "@tensorflow/tfjs-core"

export const logSumExpRows = (x: tf.Tensor2D): tf.Tensor1D => {
  const op = tf.customGrad((...args: Array<tf.Tensor | ((tensors: Array<tf.Tensor>) => void)>) => {
    const [input, save] = args as [tf.Tensor2D, (tensors: Array<tf.Tensor>) => void]
    const value = tf.logSumExp(input, 1) as tf.Tensor1D
    save([input, value])
    return {
      value,
      gradFunc: (dy: tf.Tensor, [savedInput, savedValue]: Array<tf.Tensor>) =>
        tf.mul(tf.expandDims(dy, 1), tf.exp(tf.sub(savedInput, tf.expandDims(savedValue, 1))))
    }
  })
  return op(x) as tf.Tensor1D
}
