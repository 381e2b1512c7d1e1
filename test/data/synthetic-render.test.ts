import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { imagesPerBlock, makeSyntheticRenderer } from "../../data/synthetic-render.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

describe("synthetic renderer", () => {
  // Hashes of the first renderer's output (synthetic-shapes v1): a faster renderer must draw the same bytes,
  // so ingested artifacts and the measured difficulty stay what they were.
  it.each([
    [0, 28, "7c318a9b9b662b55bea9c8e79f471532c38e98d24a73c947d42f03da18194850"],
    [9, 16, "d1731e7dfbed2d88c13f3f4a6921f3fba0e7726e51bab76887cf12da4ab243bb"]
  ])("draws the pinned bytes for seed %i at size %i (blocks 0 and 7)", (seed, size, hash) => {
    const rowBytes = size * size
    const out = new Uint8Array(2 * imagesPerBlock * rowBytes)
    const renderer = makeSyntheticRenderer(seed, size)
    renderer.renderBlock(0, imagesPerBlock, out)
    renderer.renderBlock(7, imagesPerBlock, out, imagesPerBlock * rowBytes)
    expect(sha256(out)).toBe(hash)
  })

  it("writes only the rows it is asked for, and a block's images do not depend on what was drawn before", () => {
    const size = 12
    const rowBytes = size * size
    const a = makeSyntheticRenderer(4, size)
    const b = makeSyntheticRenderer(4, size)
    const whole = new Uint8Array((imagesPerBlock + 2) * rowBytes).fill(7)
    a.renderBlock(3, 5, whole, rowBytes)
    expect(whole.subarray(0, rowBytes).every((v) => v === 7)).toBe(true)
    expect(whole.subarray(6 * rowBytes).every((v) => v === 7)).toBe(true)
    const again = new Uint8Array(5 * rowBytes)
    b.renderBlock(1, 3, again)
    b.renderBlock(3, 5, again)
    expect(Buffer.from(again).equals(Buffer.from(whole.subarray(rowBytes, 6 * rowBytes)))).toBe(true)
  })
})
