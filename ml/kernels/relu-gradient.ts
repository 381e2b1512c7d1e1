/**
 * The ReLU gradient, dy * (x > 0): through the backend's `ReluGrad` kernel where one is registered (the
 * native set's single oneDNN pass, ./native-eltwise.ts), else as tfjs-core computes it (Step, Cast,
 * Multiply), so every other backend and kernel set gives the bytes it always did.
 */
import * as tf from "@tensorflow/tfjs-core"

/** The kernel name the native set registers (tfjs-core has none for this gradient). */
export const RELU_GRAD = "ReluGrad"

export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved
    const d = dy as tf.Tensor
    return {
      x: () =>
        tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined
          ? (tf.engine().runKernel(RELU_GRAD, { dy: d, x }) as tf.Tensor)
          : tf.mul(d, tf.cast(tf.step(x), "float32"))
    }
  }
}
