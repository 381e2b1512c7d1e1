/**
 * Separable resampling with a triangle filter widened by the scale factor when shrinking
 * (so downscaling averages every source pixel, no aliasing), plain bilinear when enlarging.
 */

interface Taps {
  readonly start: Int32Array
  readonly count: Int32Array
  readonly weights: Float32Array
  readonly width: number
}

/** Filter taps mapping `inSize` samples onto `outSize`. */
const taps = (inSize: number, outSize: number): Taps => {
  const scale = inSize / outSize
  const support = Math.max(1, scale)
  const width = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Float32Array(outSize * width)
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale - 0.5
    const lo = Math.max(0, Math.ceil(center - support))
    const hi = Math.min(inSize - 1, Math.floor(center + support))
    let sum = 0
    for (let i = lo; i <= hi && i - lo < width; i++) {
      const w = Math.max(0, 1 - Math.abs(i - center) / support)
      weights[o * width + i - lo] = w
      sum += w
    }
    const n = Math.min(hi - lo + 1, width)
    if (sum === 0) weights[o * width] = sum = 1
    for (let k = 0; k < n; k++) weights[o * width + k] /= sum
    start[o] = lo
    count[o] = Math.max(1, n)
  }
  return { start, count, weights, width }
}

/** Resizes an HWC uint8 image with `channels` channels to outH x outW. */
export const resizeImage = (
  src: Uint8Array,
  inH: number,
  inW: number,
  channels: number,
  outH: number,
  outW: number
): Uint8Array => {
  const tx = taps(inW, outW)
  const ty = taps(inH, outH)
  const rowsPass = new Float32Array(inH * outW * channels)
  for (let y = 0; y < inH; y++)
    for (let x = 0; x < outW; x++)
      for (let c = 0; c < channels; c++) {
        let v = 0
        for (let k = 0; k < tx.count[x]; k++) v += tx.weights[x * tx.width + k] * src[(y * inW + tx.start[x] + k) * channels + c]
        rowsPass[(y * outW + x) * channels + c] = v
      }
  const out = new Uint8Array(outH * outW * channels)
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++)
      for (let c = 0; c < channels; c++) {
        let v = 0
        for (let k = 0; k < ty.count[y]; k++) v += ty.weights[y * ty.width + k] * rowsPass[((ty.start[y] + k) * outW + x) * channels + c]
        out[(y * outW + x) * channels + c] = Math.min(255, Math.max(0, Math.round(v)))
      }
  return out
}
