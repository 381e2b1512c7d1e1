/**
 * A folder of class subfolders holding PNG/JPEG files (ImageNet-style layout). Class names are the
 * subfolder names, sorted; files are taken in sorted name order. Decoding uses pngjs and jpeg-js;
 * images are converted to grayscale or RGB and resized to the configured square size.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import jpeg from "jpeg-js"
import { PNG } from "pngjs"
import { hashFileSync } from "../pipeline/file-hash.ts"
import { CorruptSource } from "./errors.ts"
import type { SourceFile } from "./image-metadata.ts"
import { imageFolderClasses } from "./dataset-files.ts"
import { defaultBatchRows, type ImageSource } from "./image-source.ts"
import { resizeImage } from "./image-resize.ts"

/** Decodes a PNG or JPEG (by content) to RGBA. */
const decodeRgba = (file: string, bytes: Buffer): { data: Uint8Array; width: number; height: number } => {
  try {
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
      const png = PNG.sync.read(bytes)
      return { data: png.data, width: png.width, height: png.height }
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 })
      return { data: img.data, width: img.width, height: img.height }
    }
    throw new Error("neither a PNG nor a JPEG signature")
  } catch (e) {
    throw new CorruptSource({
      path: file,
      problem: "undecodable",
      message: `${file}: cannot decode image (${(e as Error).message})`,
      hint: "remove or replace the file"
    })
  }
}

/** RGBA -> 1 channel (ITU-R BT.601 luma, alpha over black) or 3 channels. */
const toChannels = (rgba: Uint8Array, pixels: number, channels: 1 | 3): Uint8Array => {
  const out = new Uint8Array(pixels * channels)
  for (let p = 0; p < pixels; p++) {
    const a = rgba[4 * p + 3] / 255
    const [r, g, b] = [rgba[4 * p] * a, rgba[4 * p + 1] * a, rgba[4 * p + 2] * a]
    if (channels === 1) out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
    else [out[3 * p], out[3 * p + 1], out[3 * p + 2]] = [Math.round(r), Math.round(g), Math.round(b)]
  }
  return out
}

/** Lists class folders and their images; hashes each class folder's (name, content) list. */
export const imageFolderSource = (
  dir: string,
  options: { readonly size: number; readonly color: "grayscale" | "rgb"; readonly batchRows?: number }
): ImageSource => {
  const classes = imageFolderClasses(dir)
  const classNames = classes.map((c) => c.name)
  const files: Array<string> = []
  const labelList: Array<number> = []
  const sourceFiles: Array<SourceFile> = classes.map(({ name, files: classFiles }, label) => {
    const hash = crypto.createHash("sha256")
    let bytes = 0
    for (const file of classFiles) {
      const content = hashFileSync(file)
      hash.update(`${path.basename(file)}\0${content.sha256}\n`)
      bytes += content.bytes
      files.push(file)
      labelList.push(label)
    }
    return { path: name, sha256: hash.digest("hex"), bytes }
  })
  const channels = options.color === "rgb" ? 3 : 1
  const size = options.size
  const batchRows = options.batchRows ?? Math.min(defaultBatchRows, 1024)
  return {
    source: `image-folder (${dir})`,
    shape: [size, size, channels],
    classNames,
    labels: Uint8Array.from(labelList),
    sourceFiles,
    notes: { files: files.length, resizedTo: [size, size], color: options.color },
    batches: async function* (keep) {
      const rowBytes = size * size * channels
      const pixels = new Uint8Array(batchRows * rowBytes)
      for (let row = 0; row < files.length; row += batchRows) {
        const count = Math.min(batchRows, files.length - row)
        for (let r = 0; r < count; r++) {
          if (keep && !keep[row + r]) continue
          const file = files[row + r]
          const img = decodeRgba(file, fs.readFileSync(file))
          const converted = toChannels(img.data, img.width * img.height, channels)
          pixels.set(resizeImage(converted, img.height, img.width, channels, size, size), r * rowBytes)
        }
        yield { count, labels: Uint8Array.from(labelList.slice(row, row + count)), pixels }
      }
    }
  }
}
