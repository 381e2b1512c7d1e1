/**
 * im2col / col2im for NHWC convolutions: the patch matrix has one row per output pixel (n, oh, ow)
 * and one column per filter tap (kh, kw, ci), the same order as a [KH, KW, CI, CO] filter.
 */
import type { ConvGeometry } from "./conv-geometry.ts"

/** Writes the patches of images [n0, n0 + count) of x into cols [count*OH*OW, KH*KW*CI] (zeros outside the image). */
export const im2col = (x: Float32Array, g: ConvGeometry, n0: number, count: number, cols: Float32Array): void => {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g
  const rowLength = KH * KW * C
  let row = 0
  for (let n = n0; n < n0 + count; n++) {
    const image = n * H * W * C
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * g.strideHeight - g.padTop
      for (let ow = 0; ow < OW; ow++, row += rowLength) {
        const iw0 = ow * g.strideWidth - g.padLeft
        const kwStart = Math.max(0, -iw0), kwEnd = Math.min(KW, W - iw0)
        let dst = row
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh
          if (ih < 0 || ih >= H || kwEnd <= kwStart) {
            cols.fill(0, dst, dst + KW * C)
            dst += KW * C
            continue
          }
          if (kwStart > 0) cols.fill(0, dst, dst + kwStart * C)
          const runStart = dst + kwStart * C, runLength = (kwEnd - kwStart) * C
          let src = image + (ih * W + iw0 + kwStart) * C
          for (let i = runStart, end = runStart + runLength; i < end; i++) cols[i] = x[src++]
          if (kwEnd < KW) cols.fill(0, runStart + runLength, dst + KW * C)
          dst += KW * C
        }
      }
    }
  }
}

/** Like im2col, written transposed: colsT [KH*KW*CI, count*OH*OW] (best when the chunk fits in cache). */
export const im2colTransposed = (x: Float32Array, g: ConvGeometry, n0: number, count: number, colsT: Float32Array): void => {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g
  const M = count * OH * OW
  let m = 0
  for (let n = n0; n < n0 + count; n++) {
    const image = n * H * W * C
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * g.strideHeight - g.padTop
      for (let ow = 0; ow < OW; ow++, m++) {
        const iw0 = ow * g.strideWidth - g.padLeft
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh
          for (let kw = 0; kw < KW; kw++) {
            const iw = iw0 + kw
            let dst = (kh * KW + kw) * C * M + m
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              for (let c = 0; c < C; c++, dst += M) colsT[dst] = 0
            } else {
              let src = image + (ih * W + iw) * C
              for (let c = 0; c < C; c++, dst += M) colsT[dst] = x[src++]
            }
          }
        }
      }
    }
  }
}

/** Adds the patches cols [count*OH*OW, KH*KW*CI] back onto images [n0, n0 + count) of dx (dx must start zeroed). */
export const col2im = (cols: Float32Array, g: ConvGeometry, n0: number, count: number, dx: Float32Array): void => {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g
  const rowLength = KH * KW * C
  let row = 0
  for (let n = n0; n < n0 + count; n++) {
    const image = n * H * W * C
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * g.strideHeight - g.padTop
      for (let ow = 0; ow < OW; ow++, row += rowLength) {
        const iw0 = ow * g.strideWidth - g.padLeft
        const kwStart = Math.max(0, -iw0), kwEnd = Math.min(KW, W - iw0)
        if (kwEnd <= kwStart) continue
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh
          if (ih < 0 || ih >= H) continue
          let src = row + (kh * KW + kwStart) * C
          let dst = image + (ih * W + iw0 + kwStart) * C
          for (const end = dst + (kwEnd - kwStart) * C; dst < end; dst++) dx[dst] += cols[src++]
        }
      }
    }
  }
}

/** dst [cols, rows] = transpose of src [rows, cols], in cache-sized tiles. */
export const transposeInto = (src: Float32Array, rows: number, cols: number, dst: Float32Array, srcOffset = 0): void => {
  const tile = 32
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile)
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile)
      for (let r = r0; r < r1; r++) {
        const base = srcOffset + r * cols
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[base + c]
      }
    }
  }
}

/** How many images to process at once so a patch matrix stays under maxFloats (default 16M floats, 64 MB of heap). */
export const imagesPerChunk = (g: ConvGeometry, maxFloats = 16 * 1024 * 1024): number => {
  const perImage = g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels
  return Math.max(1, Math.min(g.batch, Math.floor(maxFloats / Math.max(1, perImage))))
}
