/**
 * What an encoder config means in shapes, without tfjs: each block's strides and output sides, and
 * which block a possibly negative index names. The encoder (ml/encoder.ts) builds on it, and the
 * config schema uses it to reject settings that cannot fit before anything runs.
 */

/** The part of the encoder config that decides shapes. */
export interface EncoderShapeConfig {
  readonly widths: ReadonlyArray<number>
  readonly strides?: ReadonlyArray<number>
  readonly poolGrid?: number
}

/** The config's strides, or the default: 1 for the first block, 2 for the rest. */
export const encoderStrides = (config: EncoderShapeConfig): ReadonlyArray<number> =>
  config.strides ?? config.widths.map((_, i) => (i === 0 ? 1 : 2))

/** Output [height, width] of each block for an input of `[height, width]` ("same" padding). */
export const blockSides = (config: EncoderShapeConfig, input: readonly [number, number]): ReadonlyArray<readonly [number, number]> => {
  let [h, w] = input
  return encoderStrides(config).map((stride) => {
    h = Math.ceil(h / stride)
    w = Math.ceil(w / stride)
    return [h, w] as const
  })
}

/** The block `index` names among `blocks` (negative counts from the end), or undefined when out of range. */
export const blockAt = (blocks: number, index: number): number | undefined => {
  const resolved = index < 0 ? blocks + index : index
  return resolved >= 0 && resolved < blocks ? resolved : undefined
}
