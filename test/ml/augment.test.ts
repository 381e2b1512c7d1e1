import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { augmentImages, drawAugment, gatherImages, renderView } from "../../ml/augment.ts"
import { makeRng } from "../../data/random.ts"
import { AugmentConfig } from "../../schemas/methods.ts"
import { strokeImages } from "./fixtures.ts"

const images = strokeImages(16, 12)
const decode = Schema.decodeSync(AugmentConfig)

describe("augmentImages", () => {
  it("is the identity when every knob is off", () => {
    const off = decode({ cropScale: [1, 1], maxShift: 0, maxRotateDeg: 0, flip: false, brightness: 0, contrast: 0, noise: 0 })
    const rows = [0, 5, 9]
    // With aspect jitter the crop may shrink one axis; compare the draw-free path on a square crop.
    const draws = Array.from({ length: 50 }, () => drawAugment(off, images.shape, makeRng(1)))
    expect(draws.every((d) => d.angle === 0 && !d.flip && d.brightness === 0 && d.contrast === 1)).toBe(true)
    const clean = gatherImages(images.pixels, images.shape, rows)
    const view = augmentImages(images.pixels, images.shape, rows, { ...off }, makeRng(1))
    // Aspect jitter stretches by at most sqrt(4/3); pixel mass stays close to the clean image's.
    const mass = (a: Float32Array) => a.reduce((s, v) => s + v, 0)
    expect(Math.abs(mass(view) - mass(clean)) / mass(clean)).toBeLessThan(0.25)
  })

  it("stays in [0, 1], is seeded, and differs between draws", () => {
    const config = decode({ noise: 0.1, brightness: 0.5, contrast: 0.5 })
    const a = augmentImages(images.pixels, images.shape, [0, 1, 2, 3], config, makeRng(7))
    const b = augmentImages(images.pixels, images.shape, [0, 1, 2, 3], config, makeRng(7))
    const c = augmentImages(images.pixels, images.shape, [0, 1, 2, 3], config, makeRng(8))
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true)
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true)
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false)
  })

  it("flips only when the config allows it", () => {
    const rng = makeRng(3)
    const noFlip = decode({ flip: false })
    const flip = decode({ flip: true })
    expect(Array.from({ length: 200 }, () => drawAugment(noFlip, images.shape, rng).flip).some(Boolean)).toBe(false)
    const flips = Array.from({ length: 200 }, () => drawAugment(flip, images.shape, rng).flip).filter(Boolean).length
    expect(flips).toBeGreaterThan(60)
    expect(flips).toBeLessThan(140)
  })

  it("renders the identity draw exactly and mirrors it on a flip", () => {
    const identity = { centerX: 6, centerY: 6, scaleX: 1, scaleY: 1, angle: 0, flip: false, brightness: 0, contrast: 1 }
    const clean = gatherImages(images.pixels, images.shape, [1])
    const out = new Float32Array(144)
    renderView(images.pixels, 144, images.shape, identity, 0, makeRng(1), out, 0)
    for (let i = 0; i < 144; i++) expect(out[i]).toBeCloseTo(clean[i], 6)
    renderView(images.pixels, 144, images.shape, { ...identity, flip: true }, 0, makeRng(1), out, 0)
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) expect(out[y * 12 + x]).toBeCloseTo(clean[y * 12 + 11 - x], 6)
  })

  it("brightens and shifts as drawn", () => {
    const base = { centerX: 6, centerY: 6, scaleX: 1, scaleY: 1, angle: 0, flip: false, brightness: 0, contrast: 1 }
    const clean = gatherImages(images.pixels, images.shape, [2])
    const out = new Float32Array(144)
    renderView(images.pixels, 288, images.shape, { ...base, centerX: 7 }, 0, makeRng(1), out, 0)
    for (let y = 0; y < 12; y++) for (let x = 0; x < 11; x++) expect(out[y * 12 + x]).toBeCloseTo(clean[y * 12 + x + 1], 6)
    renderView(images.pixels, 288, images.shape, { ...base, brightness: 0.1 }, 0, makeRng(1), out, 0)
    for (let i = 0; i < 144; i++) expect(out[i]).toBeCloseTo(Math.min(1, clean[i] + 0.1), 6)
  })
})
