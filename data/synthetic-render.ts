/**
 * The synthetic image renderer: each class's strokes under a random pose (rotation, anisotropic
 * scale, shear, shift), vertex jitter, stroke thickness and intensity, an optional distractor
 * stroke, background level and pixel noise. Pure computation on typed arrays, shared by the
 * in-thread path and the worker threads.
 */
import { makeRng, type Rng } from "../ml/random.ts"
import { syntheticShapes } from "./synthetic-shapes.ts"

export const syntheticClassCount = syntheticShapes.length
const classes = syntheticClassCount
const noiseTableSize = 1 << 16
/**
 * Image i draws from the generator of block floor(i / imagesPerBlock), after the images before it
 * in that block: one fork per block (a fork per image would cost more than drawing it), and a
 * fixed block size so batching and threads never change an image.
 */
export const imagesPerBlock = 1024

/** Canvas state reused across the images of one block. */
interface Painter {
  readonly size: number
  /** Coverage*intensity by squared distance (in 1/8 px^2 steps) for the current stroke. */
  readonly lut: Uint8Array
  lutLength: number
  /** The batch buffer viewed as clamped bytes, so adding noise saturates without branches. */
  readonly clamped: Uint8ClampedArray
}

/** Draws the segment with anti-aliased round caps: distance of each pixel in its bounding box (max blend). */
const strokeSegment = (out: Uint8Array, base: number, p: Painter, x0: number, y0: number, x1: number, y1: number, reach: number) => {
  const { size, lut, lutLength } = p
  const dx = x1 - x0
  const dy = y1 - y0
  const inverse = 1 / (dx * dx + dy * dy || 1e-9)
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - reach)), xb = Math.min(size - 1, Math.floor(Math.max(x0, x1) + reach))
  const ya = Math.max(0, Math.floor(Math.min(y0, y1) - reach)), yb = Math.min(size - 1, Math.floor(Math.max(y0, y1) + reach))
  // Per row, only the band within `reach` of the line can be inked: skips most of a diagonal's box.
  const slope = Math.abs(dy) > 1e-6 ? dx / dy : 0
  const band = Math.abs(dy) > 1e-6 ? (reach * Math.sqrt(dx * dx + dy * dy)) / Math.abs(dy) + 1 : Infinity
  for (let py = ya; py <= yb; py++) {
    const ry = py + 0.5 - y0
    const row = base + py * size
    const center = x0 + ry * slope
    const from = Math.max(xa, Math.floor(center - band))
    const to = Math.min(xb, Math.ceil(center + band))
    for (let px = from; px <= to; px++) {
      const rx = px + 0.5 - x0
      let t = (rx * dx + ry * dy) * inverse
      t = t < 0 ? 0 : t > 1 ? 1 : t
      const ex = rx - t * dx
      const ey = ry - t * dy
      const k = ((ex * ex + ey * ey) * 8) | 0
      if (k < lutLength) {
        const v = lut[k]
        if (v > out[row + px]) out[row + px] = v
      }
    }
  }
}

/** Fills the painter's lookup table for a stroke of `radius` px at `intensity`; returns its reach in px. */
const prepareStroke = (p: Painter, radius: number, intensity: number): number => {
  const reach = radius + 0.5
  p.lutLength = Math.min(p.lut.length, Math.ceil(reach * reach * 8))
  for (let k = 0; k < p.lutLength; k++) p.lut[k] = Math.round(intensity * Math.min(1, Math.max(0, reach - Math.sqrt(k / 8))))
  return reach
}

/** Draws image `index` (label index % 10) into `out` at byte offset `base`. */
const drawImage = (out: Uint8Array, base: number, p: Painter, rng: Rng, label: number, noise: Int8Array) => {
  const size = p.size
  const half = size / 2
  const angle = (rng.next() - 0.5) * 0.7
  const sx = half * (0.55 + 0.4 * rng.next())
  const sy = half * (0.55 + 0.4 * rng.next())
  const shear = (rng.next() - 0.5) * 0.4
  const cx = half + (rng.next() - 0.5) * size * 0.2
  const cy = half + (rng.next() - 0.5) * size * 0.2
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const jitter = 0.12
  let px = 0
  let py = 0
  const place = (u: number, v: number) => {
    const x = (u + (rng.next() - 0.5) * jitter + shear * v) * sx
    const y = (v + (rng.next() - 0.5) * jitter) * sy
    px = cx + cos * x - sin * y
    py = cy + sin * x + cos * y
  }
  const background = rng.int(40)
  out.fill(background, base, base + size * size)
  const scaleToPx = size / 28
  const reach = prepareStroke(p, (0.6 + rng.next() * 1.2) * scaleToPx, 150 + rng.int(106))
  for (const line of syntheticShapes[label]) {
    place(line[0][0], line[0][1])
    for (let i = 1; i < line.length; i++) {
      const [ax, ay] = [px, py]
      place(line[i][0], line[i][1])
      strokeSegment(out, base, p, ax, ay, px, py, reach)
    }
  }
  if (rng.next() < 0.5) {
    // A short stray stroke anywhere: pixels near the edge stop being a giveaway of the class.
    const r2 = prepareStroke(p, (0.5 + rng.next() * 0.8) * scaleToPx, 80 + rng.int(120))
    const x = rng.next() * size, y = rng.next() * size, a = rng.next() * Math.PI, len = size * (0.1 + 0.2 * rng.next())
    strokeSegment(out, base, p, x, y, x + len * Math.cos(a), y + len * Math.sin(a), r2)
  }
  const amplitude = rng.int(48)
  const offset = rng.int(noiseTableSize - size * size)
  const clamped = p.clamped
  for (let i = base, j = offset, end = base + size * size; i < end; i++, j++) clamped[i] = out[i] + ((noise[j] * amplitude) >> 7)
}

/** Renders blocks of synthetic images for one (seed, size). */
export interface SyntheticRenderer {
  /** Draws the first `count` images of `block` into `out` from byte `offset`. */
  readonly renderBlock: (block: number, count: number, out: Uint8Array, offset?: number) => void
}

export const makeSyntheticRenderer = (seed: number, size: number): SyntheticRenderer => {
  const root = makeRng(seed).fork("synthetic")
  const noiseRng = root.fork("noise")
  // Shared noise texture read at a random offset per image: one table instead of size^2 draws per image.
  const noise = new Int8Array(noiseTableSize).map(() => Math.round(40 * Math.max(-3.1, Math.min(3.1, noiseRng.normal()))))
  const lut = new Uint8Array(Math.ceil((1.8 * (size / 28) + 0.5) ** 2 * 8) + 8)
  const rowBytes = size * size
  return {
    renderBlock: (block, count, out, offset = 0) => {
      const painter: Painter = { size, lut, lutLength: 0, clamped: new Uint8ClampedArray(out.buffer, out.byteOffset, out.byteLength) }
      const rng = root.fork(`block-${block}`)
      for (let r = 0; r < count; r++) drawImage(out, offset + r * rowBytes, painter, rng, (block * imagesPerBlock + r) % classes, noise)
    }
  }
}
