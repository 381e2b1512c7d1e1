/**
 * The gradient of the FusedConv2D kernel (bias, then ReLU or no activation), registered so that a
 * model can call the kernel while training (../conv-bias-relu.ts). tfjs-core's own `tf.fused.conv2d`
 * refuses to fuse an activation under a gradient tape and wraps the kernel in a customGrad, which
 * computes every input's gradient, the network input's included (15 ms of a reference step); a
 * registered gradient is asked only for the inputs that need one. Values are those of the unfused
 * ops: dy masked where y > 0, then tfjs's convolution gradients and the bias sum. (oneDNN's
 * backward-weights pass can also sum the bias gradient; measured slower than the separate sum, 26.4 vs
 * 22.1 ms at [512, 14, 14, 64] on two threads, so it is not used.)
 */
import * as tf from "@tensorflow/tfjs-core"
import { UnsupportedConvolution, type FusedConvAttrs } from "./conv-geometry.ts"
import { reluGradient } from "./relu-gradient.ts"

export const fusedConv2DGradConfig: tf.GradConfig = {
  kernelName: tf.FusedConv2D,
  inputsToSave: ["x", "filter", "bias"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, bias, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor | undefined, tf.Tensor4D]
    const { strides, pad, dimRoundingMode, activation = "linear" } = attrs as unknown as FusedConvAttrs
    if (activation !== "linear" && activation !== "relu") {
      throw new UnsupportedConvolution({ message: `gradient of FusedConv2D with activation ${activation} is not implemented`, hint: "use relu or linear" })
    }
    // once, here: each input's closure runs in its own tidy, and the backward pass's own tidy frees this
    const dz = activation === "relu" ? (reluGradient(dy as tf.Tensor, y) as tf.Tensor4D) : (dy as tf.Tensor4D)
    const common = { strides, pad, dataFormat: "NHWC", ...(dimRoundingMode === undefined ? {} : { dimRoundingMode }) } as tf.NamedAttrMap
    return {
      x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...common, inputShape: x.shape }) as tf.Tensor,
      filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...common, filterShape: filter.shape }) as tf.Tensor,
      bias: () => tf.reshape(tf.sum(dz, [0, 1, 2]), bias!.shape)
    }
  }
}
