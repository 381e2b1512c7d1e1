/** Builders for small dataset files written into temp dirs by the tests (no committed blobs). */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import jpeg from "jpeg-js"
import { PNG } from "pngjs"
import { tempDir as testTempDir } from "../support/temp-dir.ts"

/** A `seed-<label>-` temp dir, removed when the current test finishes. */
export const tempDir = (label: string): string => testTempDir(`seed-${label}-`)

/** IDX bytes: magic (0, 0, 0x08, ndims), big-endian dims, data. */
export const idxBytes = (dims: ReadonlyArray<number>, data: Uint8Array, magic?: number): Buffer => {
  const header = Buffer.alloc(4 + 4 * dims.length)
  header.writeUInt32BE(magic ?? (0x0800 | dims.length), 0)
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([header, data])
}

/** Deterministic test pixels: image i is filled with a gradient offset by i. */
export const testPixels = (count: number, rowBytes: number): Uint8Array =>
  Uint8Array.from({ length: count * rowBytes }, (_, k) => (Math.floor(k / rowBytes) * 7 + (k % rowBytes)) & 255)

/** Writes an image/label IDX pair (optionally gzipped); returns their paths. */
export const writeIdxPair = (
  dir: string,
  stem: string,
  options: { count: number; side?: number; labels?: Uint8Array; gzip?: boolean }
): { images: string; labels: string } => {
  const side = options.side ?? 4
  const labels = options.labels ?? Uint8Array.from({ length: options.count }, (_, i) => i % 10)
  const suffix = options.gzip ? ".gz" : ""
  const pack = (b: Buffer) => (options.gzip ? zlib.gzipSync(b) : b)
  const images = path.join(dir, `${stem}-images-idx3-ubyte${suffix}`)
  const labelFile = path.join(dir, `${stem}-labels-idx1-ubyte${suffix}`)
  fs.writeFileSync(images, pack(idxBytes([options.count, side, side], testPixels(options.count, side * side))))
  fs.writeFileSync(labelFile, pack(idxBytes([labels.length], labels)))
  return { images, labels: labelFile }
}

/** A CIFAR-10 binary batch of `labels.length` records; record r's R/G/B planes are r, r+1, r+2. */
export const writeCifarBatch = (file: string, labels: ReadonlyArray<number>): void => {
  const record = 1 + 3 * 1024
  const bytes = Buffer.alloc(labels.length * record)
  labels.forEach((label, r) => {
    bytes[r * record] = label
    bytes.fill(r & 255, r * record + 1, r * record + 1025)
    bytes.fill((r + 1) & 255, r * record + 1025, r * record + 2049)
    bytes.fill((r + 2) & 255, r * record + 2049, r * record + 3073)
  })
  fs.writeFileSync(file, bytes)
}

/** An RGBA PNG of one flat color. */
export const pngBytes = (width: number, height: number, rgba: readonly [number, number, number, number]): Buffer => {
  const png = new PNG({ width, height })
  for (let p = 0; p < width * height; p++) png.data.set(rgba, 4 * p)
  return PNG.sync.write(png)
}

/** A JPEG of one flat color. */
export const jpegBytes = (width: number, height: number, rgb: readonly [number, number, number]): Buffer => {
  const data = Buffer.alloc(width * height * 4)
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], 4 * p)
  return jpeg.encode({ data, width, height }, 95).data
}
