/** The geometry of an NHWC 2-D convolution as the gradient kernels need it, with clear errors for what they do not support. */
import * as Data from "effect/Data"
import * as tf from "@tensorflow/tfjs-core"
import type { ConvShape } from "../onednn/convolution.ts"

/** A convolution the project's wasm gradient kernels cannot compute. */
export class UnsupportedConvolution extends Data.TaggedError("UnsupportedConvolution")<{
  readonly message: string
  readonly hint?: string
}> {}

/** One geometry type for the wasm gradient kernels and the oneDNN plans (which need all four pads). */
export type ConvGeometry = ConvShape

/** The attributes tfjs passes to every conv kernel. */
export interface ConvAttrs {
  readonly strides: number | [number, number]
  readonly pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding
  readonly dataFormat?: "NHWC" | "NCHW"
  readonly dimRoundingMode?: "floor" | "round" | "ceil"
  readonly dilations?: number | [number, number]
}

/** FusedConv2D's attributes: a convolution's, and the activation after the bias. */
export interface FusedConvAttrs extends ConvAttrs {
  readonly activation?: string
}

/** Computes the geometry from the forward shapes and the kernel's attrs; throws UnsupportedConvolution for NCHW or dilation > 1. */
export const convGeometry = (
  kernel: string,
  inShape: ReadonlyArray<number>,
  filterShape: ReadonlyArray<number>,
  attrs: ConvAttrs
): ConvGeometry => {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC") {
    throw new UnsupportedConvolution({
      message: `${kernel} (seed wasm kernel): dataFormat ${attrs.dataFormat} is not supported`,
      hint: "use NHWC (channels last) tensors"
    })
  }
  const dilations = attrs.dilations ?? 1
  if (!tf.backend_util.tupleValuesAreOne(dilations)) {
    throw new UnsupportedConvolution({
      message: `${kernel} (seed wasm kernel): dilation ${JSON.stringify(dilations)} is not supported`,
      hint: "use dilation 1, or run this model on the cpu backend"
    })
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast"
  )
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right
  }
}
