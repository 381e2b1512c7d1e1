/**
 * The one conv encoder family shared by every method: 3x3 conv + ReLU blocks with configurable
 * widths and strides, global average pooling of the last block, and (when `embeddingDim` differs
 * from the last width) a linear map to the embedding. Methods read intermediate blocks for their heads.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { EncoderConfig } from "../schemas/methods.ts"
import type { Rng } from "./random.ts"
import { addDense, dense, heNormal, param, zeros, type ParamSet } from "./weights.ts"

export type ImageShape = readonly [height: number, width: number, channels: number]

/** The resolved architecture: what the encoder produces at each block. */
export interface EncoderSpec {
  readonly inputShape: ImageShape
  readonly widths: ReadonlyArray<number>
  readonly strides: ReadonlyArray<number>
  /** Output [h, w, c] of each conv block ("same" padding). */
  readonly blockShapes: ReadonlyArray<ImageShape>
  readonly embeddingDim: number
  readonly projected: boolean
}

export interface EncoderOutput {
  /** Output of each conv block, [B, h, w, c]. */
  readonly blocks: ReadonlyArray<tf.Tensor4D>
  /** [B, embeddingDim]. */
  readonly embedding: tf.Tensor2D
}

export interface Encoder {
  readonly spec: EncoderSpec
  /** Encoder parameters only (method heads live in their own ParamSet). */
  readonly params: ParamSet
  readonly apply: (images: tf.Tensor4D) => EncoderOutput
}

/** Resolves strides and block shapes for an input shape. */
export const encoderSpec = (config: EncoderConfig, inputShape: ImageShape): EncoderSpec => {
  const strides = config.strides ?? config.widths.map((_, i) => (i === 0 ? 1 : 2))
  if (strides.length !== config.widths.length) {
    throw new Error(`encoder.strides has ${strides.length} entries but encoder.widths has ${config.widths.length}`)
  }
  const blockShapes: Array<ImageShape> = []
  let [h, w] = inputShape
  config.widths.forEach((c, i) => {
    h = Math.ceil(h / strides[i])
    w = Math.ceil(w / strides[i])
    blockShapes.push([h, w, c])
  })
  const last = config.widths[config.widths.length - 1]
  return {
    inputShape,
    widths: config.widths,
    strides,
    blockShapes,
    embeddingDim: config.embeddingDim,
    projected: config.embeddingDim !== last
  }
}

/** Builds an encoder with weights drawn from `rng` (same rng state -> same weights). */
export const makeEncoder = (config: EncoderConfig, inputShape: ImageShape, rng: Rng): Encoder => {
  const spec = encoderSpec(config, inputShape)
  const params: ParamSet = new Map()
  let inChannels = inputShape[2]
  spec.widths.forEach((width, i) => {
    params.set(`conv${i}.w`, heNormal([3, 3, inChannels, width], 9 * inChannels, rng))
    params.set(`conv${i}.b`, zeros([width]))
    inChannels = width
  })
  if (spec.projected) addDense(params, "embed", inChannels, spec.embeddingDim, rng)
  const apply = (images: tf.Tensor4D): EncoderOutput => {
    const blocks: Array<tf.Tensor4D> = []
    let x = images
    spec.strides.forEach((stride, i) => {
      const conv = tf.conv2d(x, param(params, `conv${i}.w`) as tf.Tensor4D, stride, "same")
      x = tf.relu(tf.add(conv, param(params, `conv${i}.b`))) as tf.Tensor4D
      blocks.push(x)
    })
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D
    return { blocks, embedding: spec.projected ? dense(params, "embed", pooled) : pooled }
  }
  return { spec, params, apply }
}

/** Index of a block given a possibly negative (from the end) index; throws when out of range. */
export const resolveBlock = (spec: EncoderSpec, index: number): number => {
  const resolved = index < 0 ? spec.widths.length + index : index
  if (resolved < 0 || resolved >= spec.widths.length) {
    throw new Error(`block ${index} is outside the encoder's ${spec.widths.length} blocks`)
  }
  return resolved
}
