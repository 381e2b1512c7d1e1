/**
 * The one conv encoder family shared by every method: 3x3 conv + ReLU blocks with configurable
 * widths and strides, average pooling of the last block to a `poolGrid` x `poolGrid` grid (1: global
 * pooling; 2 keeps coarse layout, which a small encoder's few-pixel receptive field otherwise loses),
 * flattened, and (when `embeddingDim` differs from the pooled size) a linear map to the embedding.
 * Methods read intermediate blocks for their heads.
 */
import * as tf from "@tensorflow/tfjs-core"
import { convBiasRelu } from "./conv-bias-relu.ts"
import { blockAt, blockSides, encoderStrides } from "../schemas/encoder-geometry.ts"
import type { EncoderConfig } from "../schemas/methods.ts"
import type { Rng } from "../data/random.ts"
import { addDense, dense, heNormal, param, zeros, type ParamSet } from "./weights.ts"

export type ImageShape = readonly [height: number, width: number, channels: number]

/** The resolved architecture: what the encoder produces at each block. */
export interface EncoderSpec {
  readonly inputShape: ImageShape
  readonly widths: ReadonlyArray<number>
  readonly strides: ReadonlyArray<number>
  /** Output [h, w, c] of each conv block ("same" padding). */
  readonly blockShapes: ReadonlyArray<ImageShape>
  /** Cells per side of the pooling grid over the last block. */
  readonly poolGrid: number
  /** Size of the flattened pooled map (poolGrid^2 x last width). */
  readonly pooledDim: number
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
  const strides = encoderStrides(config)
  if (strides.length !== config.widths.length) {
    throw new Error(`encoder.strides has ${strides.length} entries but encoder.widths has ${config.widths.length}`)
  }
  const blockShapes: Array<ImageShape> = blockSides(config, [inputShape[0], inputShape[1]]).map(([h, w], i) => [h, w, config.widths[i]])
  const last = blockShapes[blockShapes.length - 1]
  const poolGrid = config.poolGrid ?? 1
  if (poolGrid > Math.min(last[0], last[1])) {
    throw new Error(`encoder.poolGrid ${poolGrid} is larger than the last block's ${last[0]}x${last[1]} map`)
  }
  const pooledDim = poolGrid * poolGrid * last[2]
  return {
    inputShape,
    widths: config.widths,
    strides,
    blockShapes,
    poolGrid,
    pooledDim,
    embeddingDim: config.embeddingDim,
    projected: config.embeddingDim !== pooledDim
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
  if (spec.projected) addDense(params, "embed", spec.pooledDim, spec.embeddingDim, rng)
  const apply = (images: tf.Tensor4D): EncoderOutput => {
    const blocks: Array<tf.Tensor4D> = []
    let x = images
    spec.strides.forEach((stride, i) => {
      x = convBiasRelu(x, param(params, `conv${i}.w`) as tf.Tensor4D, param(params, `conv${i}.b`) as tf.Tensor1D, stride, "same")
      blocks.push(x)
    })
    const pooled = gridPool(x, spec.poolGrid)
    return { blocks, embedding: spec.projected ? dense(params, "embed", pooled) : pooled }
  }
  return { spec, params, apply }
}

/** Cell `i` of `cells` along an axis of `size`: adaptive pooling bounds (cells overlap when size is not a multiple). */
const cellRange = (i: number, cells: number, size: number) => {
  const start = Math.floor((i * size) / cells)
  return { start, size: Math.ceil(((i + 1) * size) / cells) - start }
}

/**
 * Average of each grid cell of [B, h, w, c], flattened cell-major to [B, grid * grid * c]: one product of
 * a constant [cells, h*w] averaging matrix with x seen as [B, h*w, c] (wasm's Slice of a 4-D tensor is a
 * JavaScript loop, ~50 ms per cell at full's sizes, and slicing took four of them).
 */
export const gridPool = (x: tf.Tensor4D, grid: number): tf.Tensor2D => {
  if (grid === 1) return tf.mean(x, [1, 2]) as tf.Tensor2D
  const [b, h, w, c] = x.shape
  const weights = new Float32Array(grid * grid * h * w)
  for (let i = 0; i < grid; i++) {
    const rows = cellRange(i, grid, h)
    for (let j = 0; j < grid; j++) {
      const cols = cellRange(j, grid, w)
      const cell = (i * grid + j) * h * w
      for (let r = rows.start; r < rows.start + rows.size; r++)
        for (let q = cols.start; q < cols.start + cols.size; q++) weights[cell + r * w + q] = 1 / (rows.size * cols.size)
    }
  }
  return tf.tidy(() => {
    const averaging = tf.tensor3d(weights, [1, grid * grid, h * w])
    return tf.reshape(tf.matMul(averaging, tf.reshape(x, [b, h * w, c])), [b, grid * grid * c]) as tf.Tensor2D
  })
}

/** Index of a block given a possibly negative (from the end) index; throws when out of range. */
export const resolveBlock = (spec: EncoderSpec, index: number): number => {
  const resolved = blockAt(spec.widths.length, index)
  if (resolved === undefined) {
    throw new Error(`block ${index} is outside the encoder's ${spec.widths.length} blocks`)
  }
  return resolved
}
