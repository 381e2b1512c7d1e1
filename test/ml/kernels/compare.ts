/** What the kernel tests compare with: seeded random tensors, and the largest error relative to the reference's scale. */
import * as tf from "@tensorflow/tfjs-core"
import type { Rng } from "../../../ml/random.ts"

/** A tensor of standard normal draws from `rng`. */
export const randomTensor = (rng: Rng, shape: Array<number>): tf.Tensor =>
  tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape)

/** max |expected - actual| over max |expected|: one scale for the whole tensor, so tiny entries do not dominate. */
export const relativeError = (expected: Float32Array, actual: Float32Array): number => {
  let diff = 0, scale = 1e-12
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i] - actual[i]))
    scale = Math.max(scale, Math.abs(expected[i]))
  }
  return diff / scale
}
