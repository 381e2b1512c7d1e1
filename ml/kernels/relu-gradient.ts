/**
 * The ReLU gradient, dy * (x > 0): through the backend's `ReluGrad` kernel where one is registered (the
 * native set's single oneDNN pass, ./native-eltwise.ts), else as tfjs-core computes it (Step, Cast,
 * Multiply), so every other backend and kernel set gives the bytes it always did.
 */
import * as tf from "@tensorflow/tfjs-core"

/** The kernel name the native set registers (tfjs-core has none for this gradient). */
export const RELU_GRAD = "ReluGrad"

/** dy * (x > 0); `x` may be ReLU's input or its output (both are positive at the same places). */
export const reluGradient = (dy: tf.Tensor, x: tf.Tensor): tf.Tensor =>
  tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined
    ? (tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor)
    : tf.mul(dy, tf.cast(tf.step(x), "float32"))

export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved
    return { x: () => reluGradient(dy as tf.Tensor, x) }
  }
}
