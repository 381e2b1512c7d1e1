/**
 * CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B,
 * each plane row-major 32x32), converted here to HWC rows. Files: data_batch_1..5.bin then test_batch.bin.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { CorruptSource } from "./errors.ts"
import { cifar10BatchFiles, cifar10MetaFile } from "./dataset-files.ts"
import { defaultBatchRows, type ImageSource } from "./image-source.ts"

export const cifar10ClassNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

const side = 32
const plane = side * side
const recordBytes = 1 + 3 * plane

/** Reads labels (and hashes) of every batch file, validating sizes and label range. */
export const cifar10Source = (dir: string, batchRows = defaultBatchRows): ImageSource => {
  const files = cifar10BatchFiles(dir)
  const metaFile = cifar10MetaFile(dir)
  const classNames = fs.existsSync(metaFile)
    ? fs.readFileSync(metaFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l.length > 0)
    : cifar10ClassNames
  const scanned = files.map((file) => {
    const bytes = fs.readFileSync(file)
    if (bytes.length % recordBytes !== 0)
      throw new CorruptSource({
        path: file,
        problem: "truncated",
        message: `${file}: ${bytes.length} bytes is not a whole number of ${recordBytes}-byte CIFAR-10 records (truncated or not a CIFAR-10 binary batch)`
      })
    const labels = new Uint8Array(bytes.length / recordBytes)
    for (let i = 0; i < labels.length; i++) {
      labels[i] = bytes[i * recordBytes]
      if (labels[i] >= classNames.length)
        throw new CorruptSource({
          path: file,
          problem: "label-out-of-range",
          message: `${file}: label ${labels[i]} of record ${i} is out of range (0..${classNames.length - 1})`
        })
    }
    const source = { path: path.basename(file), sha256: crypto.createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length }
    return { file, labels, source }
  })
  const labels = new Uint8Array(scanned.reduce((n, s) => n + s.labels.length, 0))
  scanned.reduce((at, s) => (labels.set(s.labels, at), at + s.labels.length), 0)
  return {
    source: `cifar10 (${dir})`,
    shape: [side, side, 3],
    classNames,
    labels,
    sourceFiles: scanned.map((s) => s.source),
    // test_batch.bin, listed last, is CIFAR-10's official test set (when the train batches are there too)
    ...(files.length > 1 && files.at(-1)!.endsWith("test_batch.bin")
      ? { officialTestFrom: scanned.slice(0, -1).reduce((n, s) => n + s.labels.length, 0) }
      : {}),
    batches: async function* () {
      const records = Buffer.alloc(batchRows * recordBytes)
      const pixels = new Uint8Array(batchRows * 3 * plane)
      for (const { file, labels: fileLabels } of scanned) {
        const fd = fs.openSync(file, "r")
        try {
          for (let row = 0; row < fileLabels.length; row += batchRows) {
            const count = Math.min(batchRows, fileLabels.length - row)
            const read = fs.readSync(fd, records, 0, count * recordBytes, row * recordBytes)
            if (read !== count * recordBytes)
              throw new CorruptSource({ path: file, problem: "truncated", message: `${file}: changed while reading (short read at record ${row})` })
            for (let r = 0; r < count; r++) {
              const src = r * recordBytes + 1
              const dst = r * 3 * plane
              for (let p = 0; p < plane; p++) {
                pixels[dst + 3 * p] = records[src + p]
                pixels[dst + 3 * p + 1] = records[src + plane + p]
                pixels[dst + 3 * p + 2] = records[src + 2 * plane + p]
              }
            }
            yield { count, labels: fileLabels.subarray(row, row + count), pixels }
          }
        } finally {
          fs.closeSync(fd)
        }
      }
    }
  }
}
