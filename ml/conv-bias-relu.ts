/**
 * relu(conv2d(x, w) + b) as one FusedConv2D kernel, in training too (its gradient:
 * ./kernels/fused-conv-gradient.ts). Unfused, training ran three passes over every activation (conv,
 * bias add, ReLU); on the native set the bias and ReLU ride on oneDNN's convolution as a post-op,
 * which removed the two memory-bound passes over the largest maps.
 */
import * as tf from "@tensorflow/tfjs-core"

export const convBiasRelu = (x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, stride: number, pad: "same" | "valid"): tf.Tensor4D =>
  tf.engine().runKernel(
    tf.FusedConv2D,
    { x, filter, bias },
    { strides: [stride, stride], pad, dataFormat: "NHWC", dilations: [1, 1], activation: "relu" }
  ) as tf.Tensor4D
