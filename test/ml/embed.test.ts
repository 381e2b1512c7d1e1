import * as tf from "@tensorflow/tfjs-core"
import * as Effect from "effect/Effect"
import { beforeAll, describe, expect, it } from "vitest"
import { embedFrozen, embedImages, hashParams, rawPixelEmbeddings } from "../../ml/embed.ts"
import { makeEncoder } from "../../ml/encoder.ts"
import { makeRng } from "../../data/random.ts"
import { disposeParams } from "../../ml/weights.ts"
import { strokeImages, useCpu } from "./fixtures.ts"

beforeAll(useCpu)

describe("embeddings", () => {
  it("do not depend on the batch size and leave the weights' hash unchanged", async () => {
    const images = strokeImages(10, 8)
    const encoder = makeEncoder({ widths: [4, 6], embeddingDim: 5 }, images.shape, makeRng(1))
    const before = hashParams(encoder.params)
    const [a] = await Effect.runPromise(embedFrozen(encoder, [images], 3))
    const b = embedImages(encoder, images, 10)
    expect(a.dim).toBe(5)
    Array.from(a.values).forEach((v, i) => expect(v).toBeCloseTo(b.values[i], 5))
    expect(hashParams(encoder.params)).toBe(before)
    // The hash does see a changed weight.
    const w = encoder.params.get("conv0.w")!
    tf.tidy(() => w.assign(tf.add(w, 1e-3)))
    expect(hashParams(encoder.params)).not.toBe(before)
    disposeParams(encoder.params)
  })

  it("raw pixels are pixels / 255", () => {
    const images = strokeImages(2, 8)
    const raw = rawPixelEmbeddings(images)
    expect(raw.dim).toBe(64)
    expect(raw.values[5]).toBeCloseTo(images.pixels[5] / 255, 6)
  })
})
