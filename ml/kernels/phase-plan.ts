/**
 * Phase (sub-pixel) decomposition of a strided transposed convolution: the input pixels with
 * ih = r (mod s) receive only the filter taps kh = (r + padTop) (mod s), so each phase is a
 * stride-1 convolution of dy with a small flipped sub-filter.
 */
import type { ConvGeometry } from "./conv-geometry.ts"

interface Axis {
  readonly offset: number // first input pixel of the phase (r)
  readonly first: number // first filter tap of the phase
  readonly taps: number // filter taps in the phase
  readonly count: number // input pixels in the phase
  readonly before: number // Conv2D padding before
  readonly after: number // Conv2D padding after
}

export interface PhasePlan {
  readonly offset: { readonly height: number; readonly width: number }
  readonly first: { readonly height: number; readonly width: number }
  readonly taps: { readonly height: number; readonly width: number }
  readonly rows: number
  readonly cols: number
  readonly pad: { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number }
}

const axisPhases = (size: number, outSize: number, filter: number, stride: number, pad: number): Array<Axis> | undefined => {
  const phases: Array<Axis> = []
  for (let r = 0; r < Math.min(stride, size); r++) {
    const first = (r + pad) % stride
    const taps = first < filter ? Math.ceil((filter - first) / stride) : 0
    const count = Math.ceil((size - r) / stride)
    const shift = (r + pad - first) / stride
    const before = taps - 1 - shift
    const after = count - outSize + taps - 1 - before
    // negative padding would need cropping: the caller falls back to patches.
    if (taps > 0 && (before < 0 || after < 0)) return undefined
    phases.push({ offset: r, first, taps, count, before, after })
  }
  return phases
}

/** One plan per phase, or undefined when some phase would need negative padding. */
export const phasePlans = (g: ConvGeometry): ReadonlyArray<PhasePlan> | undefined => {
  const rows = axisPhases(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop)
  const cols = axisPhases(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft)
  if (rows === undefined || cols === undefined) return undefined
  return rows.flatMap((h) =>
    cols.map((w) => ({
      offset: { height: h.offset, width: w.offset },
      first: { height: h.first, width: w.first },
      taps: { height: h.taps, width: w.taps },
      rows: h.count,
      cols: w.count,
      pad: { top: h.before, bottom: h.after, left: w.before, right: w.after }
    }))
  )
}
