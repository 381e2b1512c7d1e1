/**
 * The synthetic image renderer: each class's strokes under a random pose (rotation, anisotropic
 * scale, shear, shift), vertex jitter, stroke thickness and intensity, an optional distractor
 * stroke, background level and pixel noise. Pure computation on typed arrays, shared by the
 * in-thread path and the worker threads.
 *
 * Written for speed (~3 µs per 28x28 image): shapes are flattened to one Float64Array, the
 * per-image state lives in locals (no closures or allocations per image or pixel), and the
 * noise is added with an explicit clamp. Every float operation and random draw happens in the
 * same order as the first version, so the bytes are unchanged (a test pins their hash).
 */
import { makeRng, type Rng } from "./random.ts"
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

/** A class's polylines flattened: [lines, n0, u, v, u, v, ..., n1, u, v, ...]. */
const flattenShape = (lines: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): Float64Array =>
  Float64Array.from([lines.length, ...lines.flatMap((line) => [line.length, ...line.flatMap(([u, v]) => [u, v])])])

const flatShapes = syntheticShapes.map(flattenShape)

/** sqrt(k / 8) for each lookup-table slot, so filling a stroke's table needs no square roots. */
const slotRadius = (slots: number) => Float64Array.from({ length: slots }, (_, k) => Math.sqrt(k / 8))

/** Per-renderer scratch: the stroke's coverage lookup table and its length. */
interface Pen {
  /** Coverage*intensity by squared distance (in 1/8 px^2 steps) for the current stroke. */
  readonly lut: Uint8Array
  readonly radii: Float64Array
  lutLength: number
}

/** Fills the pen's lookup table for a stroke of `radius` px at `intensity`; returns its reach in px. */
const prepareStroke = (pen: Pen, radius: number, intensity: number): number => {
  const reach = radius + 0.5
  const { lut, radii } = pen
  const length = Math.min(lut.length, Math.ceil(reach * reach * 8))
  for (let k = 0; k < length; k++) {
    const d = reach - radii[k]
    lut[k] = Math.round(intensity * Math.min(1, Math.max(0, d)))
  }
  pen.lutLength = length
  return reach
}

/** Draws the segment with anti-aliased round caps: distance of each pixel in its bounding box (max blend). */
const strokeSegment = (
  out: Uint8Array,
  base: number,
  size: number,
  pen: Pen,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  reach: number
) => {
  const lut = pen.lut
  const lutLength = pen.lutLength
  const dx = x1 - x0
  const dy = y1 - y0
  const inverse = 1 / (dx * dx + dy * dy || 1e-9)
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - reach)) | 0
  const xb = Math.min(size - 1, Math.floor(Math.max(x0, x1) + reach)) | 0
  const ya = Math.max(0, Math.floor(Math.min(y0, y1) - reach)) | 0
  const yb = Math.min(size - 1, Math.floor(Math.max(y0, y1) + reach)) | 0
  // Per row, only the band within `reach` of the line is visited (v1's band, which the bytes
  // depend on), narrowed to the pixel centres within the table's radius of the infinite line:
  // those outside get no ink (the segment is never nearer), so skipping them changes nothing.
  const steep = Math.abs(dy) > 1e-6
  const slope = steep ? dx / dy : 0
  const length = Math.sqrt(dx * dx + dy * dy)
  const band = steep ? (reach * length) / Math.abs(dy) + 1 : 0
  const inked = steep ? (Math.sqrt(lutLength / 8) * length) / Math.abs(dy) + 1e-6 : 0
  for (let py = ya; py <= yb; py++) {
    const ry = py + 0.5 - y0
    const row = base + py * size
    const center = x0 + ry * slope
    const from = steep ? Math.max(xa, Math.floor(center - band), Math.ceil(center - 0.5 - inked)) | 0 : xa
    const to = steep ? Math.min(xb, Math.ceil(center + band), Math.floor(center - 0.5 + inked)) | 0 : xb
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

const jitter = 0.12

/** Adds `amplitude`-scaled noise from `noise[offset...]` to `out[from, to)`, saturating at 0 and 255. */
const addNoise = (out: Uint8Array, from: number, to: number, noise: Int8Array, offset: number, amplitude: number) => {
  for (let i = from, j = offset; i < to; i++, j++) {
    const v = out[i] + ((noise[j] * amplitude) >> 7)
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v
  }
}

/** Draws one image of class `label` into `out` at byte offset `base`. */
const drawImage = (out: Uint8Array, base: number, size: number, pen: Pen, rng: Rng, label: number, noise: Int8Array) => {
  const half = size / 2
  const angle = (rng.next() - 0.5) * 0.7
  const sx = half * (0.55 + 0.4 * rng.next())
  const sy = half * (0.55 + 0.4 * rng.next())
  const shear = (rng.next() - 0.5) * 0.4
  const cx = half + (rng.next() - 0.5) * size * 0.2
  const cy = half + (rng.next() - 0.5) * size * 0.2
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const pixels = size * size
  const background = rng.int(40)
  out.fill(background, base, base + pixels)
  const scaleToPx = size / 28
  const reach = prepareStroke(pen, (0.6 + rng.next() * 1.2) * scaleToPx, 150 + rng.int(106))
  const shape = flatShapes[label]
  let at = 1
  for (let line = shape[0]; line > 0; line--) {
    const points = shape[at++]
    let ax = 0
    let ay = 0
    for (let i = 0; i < points; i++, at += 2) {
      const u = shape[at]
      const v = shape[at + 1]
      // The vertex under pose and jitter (same expression order as v1: the bytes depend on it).
      const x = (u + (rng.next() - 0.5) * jitter + shear * v) * sx
      const y = (v + (rng.next() - 0.5) * jitter) * sy
      const bx = cx + cos * x - sin * y
      const by = cy + sin * x + cos * y
      if (i > 0) strokeSegment(out, base, size, pen, ax, ay, bx, by, reach)
      ax = bx
      ay = by
    }
  }
  if (rng.next() < 0.5) {
    // A short stray stroke anywhere: pixels near the edge stop being a giveaway of the class.
    const r2 = prepareStroke(pen, (0.5 + rng.next() * 0.8) * scaleToPx, 80 + rng.int(120))
    const x = rng.next() * size, y = rng.next() * size, a = rng.next() * Math.PI, len = size * (0.1 + 0.2 * rng.next())
    strokeSegment(out, base, size, pen, x, y, x + len * Math.cos(a), y + len * Math.sin(a), r2)
  }
  const amplitude = rng.int(48)
  const offset = rng.int(noiseTableSize - pixels)
  addNoise(out, base, base + pixels, noise, offset, amplitude)
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
  const slots = Math.ceil((1.8 * (size / 28) + 0.5) ** 2 * 8) + 8
  const pen: Pen = { lut: new Uint8Array(slots), radii: slotRadius(slots), lutLength: 0 }
  const rowBytes = size * size
  return {
    renderBlock: (block, count, out, offset = 0) => {
      const rng = root.fork(`block-${block}`)
      for (let r = 0; r < count; r++) drawImage(out, offset + r * rowBytes, size, pen, rng, (block * imagesPerBlock + r) % classes, noise)
    }
  }
}
