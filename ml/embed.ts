/**
 * Embeddings for the probe: a frozen encoder's forward pass in batches (checked by hashing the
 * weights before and after), or the raw-pixel baseline (pixels / 255).
 */
import * as tf from "@tensorflow/tfjs-core"
import { createHash } from "node:crypto"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ImageSet } from "../data/image-set.ts"
import { gatherImages } from "./augment.ts"
import type { Encoder } from "./encoder.ts"
import type { ParamSet } from "./weights.ts"

/** The encoder's weights changed while embeddings were computed: the probe would not be linear-on-frozen. */
export class EncoderMutated extends Data.TaggedError("EncoderMutated")<{
  readonly message: string
  readonly hint: string
}> {}

/** Rows of an embedding matrix, row-major [count, dim]. */
export interface Embeddings {
  readonly values: Float32Array
  readonly count: number
  readonly dim: number
}

/** sha256 of every parameter's name, shape and values, in order. */
export const hashParams = (params: ParamSet): string => {
  const hash = createHash("sha256")
  for (const [name, variable] of params) {
    hash.update(`${name}:${variable.shape.join("x")};`)
    const values = variable.dataSync() as Float32Array
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
  }
  return hash.digest("hex")
}

/** Forward pass of every image, `batchSize` at a time. */
export const embedImages = (encoder: Encoder, images: ImageSet, batchSize: number): Embeddings => {
  const dim = encoder.spec.embeddingDim
  const values = new Float32Array(images.count * dim)
  for (let start = 0; start < images.count; start += batchSize) {
    const end = Math.min(images.count, start + batchSize)
    const rows = Array.from({ length: end - start }, (_, i) => start + i)
    const batch = tf.tidy(() => {
      const x = tf.tensor4d(gatherImages(images.pixels, images.shape, rows), [rows.length, ...images.shape])
      return encoder.apply(x).embedding
    })
    values.set(batch.dataSync(), start * dim)
    batch.dispose()
  }
  return { values, count: images.count, dim }
}

/** Embeds each image set with the encoder frozen; fails if its weights changed meanwhile. */
export const embedFrozen = (
  encoder: Encoder,
  sets: ReadonlyArray<ImageSet>,
  batchSize: number
): Effect.Effect<ReadonlyArray<Embeddings>, EncoderMutated> =>
  Effect.gen(function* () {
    const before = hashParams(encoder.params)
    const embeddings = sets.map((set) => embedImages(encoder, set, batchSize))
    const after = hashParams(encoder.params)
    if (before !== after) {
      return yield* Effect.fail(
        new EncoderMutated({
          message: `encoder weights changed while computing embeddings (${before.slice(0, 12)} -> ${after.slice(0, 12)})`,
          hint: "embedding must only run the forward pass; no optimizer may hold the encoder's variables"
        })
      )
    }
    return embeddings
  })

/** The raw-pixel baseline: each image flattened, scaled to [0, 1]. */
export const rawPixelEmbeddings = (images: ImageSet): Embeddings => {
  const [h, w, c] = images.shape
  const values = new Float32Array(images.pixels.length)
  for (let i = 0; i < values.length; i++) values[i] = images.pixels[i] / 255
  return { values, count: images.count, dim: h * w * c }
}
