/**
 * On-the-fly augmentations for small images, in plain JS on typed arrays (cheaper than tf ops
 * at 28x28): one random affine per image (resized crop, shift, rotation, optional horizontal flip)
 * sampled bilinearly, then brightness/contrast jitter and gaussian noise, clamped to [0, 1].
 */
import type { AugmentConfig } from "../schemas/methods.ts"
import type { ImageShape } from "./encoder.ts"
import type { Rng } from "../data/random.ts"

/** Copies the selected images into a float batch [n, h, w, c] scaled to [0, 1]. */
export const gatherImages = (
  pixels: Uint8Array,
  shape: ImageShape,
  indices: ArrayLike<number>,
  out = new Float32Array(indices.length * shape[0] * shape[1] * shape[2])
): Float32Array => {
  const size = shape[0] * shape[1] * shape[2]
  for (let n = 0; n < indices.length; n++) {
    const src = indices[n] * size
    const dst = n * size
    for (let i = 0; i < size; i++) out[dst + i] = pixels[src + i] / 255
  }
  return out
}

/** The per-image random draw, exposed for tests. */
export interface AugmentDraw {
  /** Source coordinates of the output centre. */
  readonly centerX: number
  readonly centerY: number
  /** Source pixels per output pixel, along each axis. */
  readonly scaleX: number
  readonly scaleY: number
  readonly angle: number
  readonly flip: boolean
  readonly brightness: number
  readonly contrast: number
}

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next()

/** Draws one image's augmentation parameters. */
export const drawAugment = (config: AugmentConfig, shape: ImageShape, rng: Rng): AugmentDraw => {
  const [h, w] = shape
  const area = uniform(rng, Math.min(...config.cropScale), Math.min(1, Math.max(...config.cropScale)))
  const aspect = Math.exp(uniform(rng, Math.log(3 / 4), Math.log(4 / 3)))
  const cropW = Math.min(w, w * Math.sqrt(area * aspect))
  const cropH = Math.min(h, h * Math.sqrt(area / aspect))
  const centerX = uniform(rng, cropW / 2, w - cropW / 2) + uniform(rng, -config.maxShift, config.maxShift)
  const centerY = uniform(rng, cropH / 2, h - cropH / 2) + uniform(rng, -config.maxShift, config.maxShift)
  return {
    centerX,
    centerY,
    scaleX: cropW / w,
    scaleY: cropH / h,
    angle: (uniform(rng, -config.maxRotateDeg, config.maxRotateDeg) * Math.PI) / 180,
    flip: config.flip && rng.next() < 0.5,
    brightness: uniform(rng, -config.brightness, config.brightness),
    contrast: 1 + uniform(rng, -config.contrast, config.contrast)
  }
}

/** Writes one augmented view of `src` (uint8 HWC) into `out` at `offset`, with the given draw. */
export const renderView = (
  src: Uint8Array,
  srcOffset: number,
  shape: ImageShape,
  draw: AugmentDraw,
  noise: number,
  rng: Rng,
  out: Float32Array,
  offset: number
): void => {
  const [h, w, c] = shape
  const cos = Math.cos(draw.angle), sin = Math.sin(draw.angle)
  let sum = 0
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const du = (draw.flip ? w / 2 - (x + 0.5) : x + 0.5 - w / 2) * draw.scaleX
      const dv = (y + 0.5 - h / 2) * draw.scaleY
      const sx = draw.centerX + cos * du - sin * dv - 0.5
      const sy = draw.centerY + sin * du + cos * dv - 0.5
      const x0 = Math.floor(sx), y0 = Math.floor(sy)
      const fx = sx - x0, fy = sy - y0
      for (let ch = 0; ch < c; ch++) {
        const at = (yy: number, xx: number) =>
          yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : src[srcOffset + (yy * w + xx) * c + ch]
        const top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
        const bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
        const value = (top * (1 - fy) + bottom * fy) / 255
        out[offset + (y * w + x) * c + ch] = value
        sum += value
      }
    }
  }
  const size = h * w * c
  const mean = sum / size
  for (let i = 0; i < size; i++) {
    const jittered = (out[offset + i] - mean) * draw.contrast + mean + draw.brightness
    const noisy = noise > 0 ? jittered + noise * rng.normal() : jittered
    out[offset + i] = noisy < 0 ? 0 : noisy > 1 ? 1 : noisy
  }
}

/** One augmented view of each selected image, as a float batch [n, h, w, c] in [0, 1]. */
export const augmentImages = (
  pixels: Uint8Array,
  shape: ImageShape,
  indices: ArrayLike<number>,
  config: AugmentConfig,
  rng: Rng,
  out = new Float32Array(indices.length * shape[0] * shape[1] * shape[2])
): Float32Array => {
  const size = shape[0] * shape[1] * shape[2]
  for (let n = 0; n < indices.length; n++) {
    const draw = drawAugment(config, shape, rng)
    renderView(pixels, indices[n] * size, shape, draw, config.noise, rng, out, n * size)
  }
  return out
}
