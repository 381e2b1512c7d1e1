/**
 * IDX files (the MNIST family's format): a 4-byte magic (0, 0, type, ndims), big-endian dims,
 * then the data. Reads image/label pairs, gzipped or not (detected by content, not by name),
 * validating the header against the file before any pixel is read.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { CorruptSource, SourceNotFound } from "./errors.ts"
import { defaultBatchRows, type ImageSource, type RawBatch } from "./image-source.ts"
import { sourceFile } from "./source-files.ts"

const ubyte = 0x08

interface IdxHeader {
  readonly file: string
  readonly gzip: boolean
  readonly dims: ReadonlyArray<number>
  readonly headerBytes: number
  /** Bytes after the header (plain files); undefined for gzip, checked while streaming. */
  readonly dataBytes?: number
}

const corrupt = (file: string, problem: CorruptSource["problem"], detail: string, hint?: string) =>
  new CorruptSource({ path: file, problem, message: `${file}: ${detail}`, hint })

const readPrefix = (file: string, bytes: number): Buffer => {
  if (!fs.existsSync(file)) throw new SourceNotFound({ path: file, message: `${file}: no such file`, hint: "check dataset.path / images / labels" })
  const fd = fs.openSync(file, "r")
  try {
    const buffer = Buffer.alloc(bytes)
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, bytes, 0))
  } finally {
    fs.closeSync(fd)
  }
}

const isGzip = (prefix: Uint8Array) => prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b

/** Parses and checks the header; `kind` says which ndims are acceptable. */
export const readIdxHeader = (file: string, kind: "images" | "labels"): IdxHeader => {
  const raw = readPrefix(file, 1 << 16)
  const gzip = isGzip(raw)
  // A sync flush decompresses whatever prefix we read, without demanding the end of the stream.
  const head = gzip ? zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH }) : raw
  if (head.length < 4) throw corrupt(file, "truncated", `truncated: ${head.length} bytes, shorter than the 4-byte IDX magic`)
  const magic = head.readUInt32BE(0)
  const hex = `0x${magic.toString(16).padStart(8, "0")}`
  const wanted = kind === "images" ? "0x00000803" : "0x00000801"
  if (head[0] !== 0 || head[1] !== 0) throw corrupt(file, "bad-magic", `wrong IDX magic number ${hex} (expected ${wanted}): not an IDX file`)
  if (head[2] !== ubyte) throw corrupt(file, "bad-format", `IDX element type 0x${head[2].toString(16)} is not unsigned byte (0x08)`)
  const ndims = head[3]
  const okDims = kind === "images" ? ndims === 3 || ndims === 4 : ndims === 1
  if (!okDims) throw corrupt(file, "bad-magic", `wrong IDX magic number ${hex} for ${kind} (expected ${wanted}): ${ndims} dimensions`)
  const headerBytes = 4 + 4 * ndims
  if (head.length < headerBytes) throw corrupt(file, "truncated", `truncated inside the IDX header (${head.length} of ${headerBytes} bytes)`)
  const dims = Array.from({ length: ndims }, (_, i) => head.readUInt32BE(4 + 4 * i))
  const expected = dims.reduce((a, b) => a * b, 1)
  if (gzip) return { file, gzip, dims, headerBytes }
  const dataBytes = fs.statSync(file).size - headerBytes
  if (dataBytes < expected)
    throw corrupt(file, "truncated", `truncated: dims [${dims}] need ${expected} data bytes, the file has ${dataBytes}`)
  if (dataBytes > expected)
    throw corrupt(file, "dims-mismatch", `dims [${dims}] need ${expected} data bytes but the file has ${dataBytes}: dimensions do not match the file size`)
  return { file, gzip, dims, headerBytes, dataBytes }
}

/** All bytes after the header, checked against the dims (used for label files, which are small). */
const readIdxData = (header: IdxHeader): Uint8Array => {
  const expected = header.dims.reduce((a, b) => a * b, 1)
  const whole = fs.readFileSync(header.file)
  let raw: Buffer
  try {
    raw = header.gzip ? zlib.gunzipSync(whole) : whole
  } catch (e) {
    throw corrupt(header.file, "truncated", `truncated or damaged gzip data (${(e as Error).message})`)
  }
  const data = raw.subarray(header.headerBytes)
  if (data.length < expected) throw corrupt(header.file, "truncated", `truncated: dims [${header.dims}] need ${expected} data bytes, found ${data.length}`)
  if (data.length > expected)
    throw corrupt(header.file, "dims-mismatch", `dims [${header.dims}] need ${expected} data bytes but found ${data.length}: dimensions do not match the file size`)
  return data
}

/** Decompressed (or plain) bytes of a file after its header, as a stream of chunks. */
async function* dataChunks(header: IdxHeader): AsyncGenerator<Uint8Array> {
  const input = fs.createReadStream(header.file, { start: header.gzip ? 0 : header.headerBytes, highWaterMark: 1 << 20 })
  const stream = header.gzip ? input.pipe(zlib.createGunzip()) : input
  let skip = header.gzip ? header.headerBytes : 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (skip >= chunk.length) {
        skip -= chunk.length
        continue
      }
      yield chunk.subarray(skip)
      skip = 0
    }
  } catch (e) {
    throw corrupt(header.file, "truncated", `truncated or damaged gzip data (${(e as Error).message})`)
  } finally {
    input.destroy()
  }
}

/** Image rows of one IDX file in batches of up to `batchRows`, checking the byte count against the dims. */
async function* imageBatches(header: IdxHeader, labels: Uint8Array, batchRows: number): AsyncGenerator<RawBatch> {
  const rowBytes = header.dims.slice(1).reduce((a, b) => a * b, 1)
  const rows = header.dims[0]
  const pixels = new Uint8Array(batchRows * rowBytes)
  let filled = 0
  let row = 0
  let consumed = 0
  for await (const chunk of dataChunks(header)) {
    consumed += chunk.length
    if (consumed > rows * rowBytes)
      throw corrupt(header.file, "dims-mismatch", `more data than dims [${header.dims}] declare: dimensions do not match the file size`)
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(chunk.length - at, pixels.length - filled)
      pixels.set(chunk.subarray(at, at + take), filled)
      filled += take
      at += take
      if (filled === pixels.length) {
        yield { count: batchRows, labels: labels.subarray(row, row + batchRows), pixels }
        row += batchRows
        filled = 0
      }
    }
  }
  const count = filled / rowBytes
  if (row + count !== rows || filled % rowBytes !== 0)
    throw corrupt(header.file, "truncated", `truncated: dims [${header.dims}] need ${rows * rowBytes} data bytes, found ${row * rowBytes + filled}`)
  if (count > 0) yield { count, labels: labels.subarray(row, row + count), pixels }
}

/** One image file and its label file. */
export interface IdxPair {
  readonly images: string
  readonly labels: string
}

/** Reads image/label pairs (e.g. train then t10k) as one source; labels must be < classNames.length when given. */
export const idxSource = (
  pairs: ReadonlyArray<IdxPair>,
  options: {
    readonly source: string
    readonly classNames?: ReadonlyArray<string>
    readonly batchRows?: number
    /** How a file is named in the metadata (package-relative for npm data, so hashes do not depend on the checkout path). */
    readonly recordAs?: (file: string) => string
  }
): ImageSource => {
  const batchRows = options.batchRows ?? defaultBatchRows
  const opened = pairs.map((pair) => {
    const images = readIdxHeader(pair.images, "images")
    const labelHeader = readIdxHeader(pair.labels, "labels")
    if (images.dims[0] !== labelHeader.dims[0])
      throw corrupt(pair.images, "count-mismatch", `holds ${images.dims[0]} images but ${pair.labels} holds ${labelHeader.dims[0]} labels: counts differ`)
    return { images, labels: readIdxData(labelHeader) }
  })
  const shapeOf = (dims: ReadonlyArray<number>) => [dims[1], dims[2], dims[3] ?? 1] as const
  const shape = shapeOf(opened[0].images.dims)
  for (const { images } of opened)
    if (shapeOf(images.dims).join() !== shape.join())
      throw corrupt(images.file, "dims-mismatch", `image shape [${shapeOf(images.dims)}] differs from ${opened[0].images.file} [${shape}]`)
  const labels = new Uint8Array(opened.reduce((n, o) => n + o.labels.length, 0))
  opened.reduce((at, o) => (labels.set(o.labels, at), at + o.labels.length), 0)
  let maxLabel = 0
  for (const o of opened) for (const l of o.labels) maxLabel = Math.max(maxLabel, l)
  const classNames = options.classNames ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i))
  if (maxLabel >= classNames.length) {
    const bad = opened.find((o) => o.labels.some((l) => l >= classNames.length))!
    const row = bad.labels.findIndex((l) => l >= classNames.length)
    throw corrupt(
      pairs[opened.indexOf(bad)].labels,
      "label-out-of-range",
      `label ${bad.labels[row]} at row ${row} is out of range: the dataset has ${classNames.length} classes (0..${classNames.length - 1})`
    )
  }
  return {
    source: options.source,
    shape,
    classNames,
    labels,
    officialTestFrom: officialTestFrom(pairs, opened.map((o) => o.labels.length)),
    sourceFiles: pairs
      .flatMap((p) => [sourceFile(p.images), sourceFile(p.labels)])
      .map((f) => ({ ...f, path: options.recordAs?.(f.path) ?? f.path })),
    batches: async function* () {
      for (const o of opened) yield* imageBatches(o.images, o.labels, batchRows)
    }
  }
}

const isTestFile = (file: string) => /^(t10k|test)/.test(path.basename(file))

/**
 * Where the official test set starts: when the pairs are train files followed by test files
 * (`t10k-*` / `test-*`, as MNIST and Fashion-MNIST ship), the row count of the train files.
 */
const officialTestFrom = (pairs: ReadonlyArray<IdxPair>, rowsPerPair: ReadonlyArray<number>): number | undefined => {
  const first = pairs.findIndex((p) => isTestFile(p.images))
  if (first <= 0 || pairs.slice(first).some((p) => !isTestFile(p.images))) return undefined
  return rowsPerPair.slice(0, first).reduce((a, b) => a + b, 0)
}

/** The conventional pair file names in a directory: train first, then t10k (any `<prefix>-images-idx3-ubyte[.gz]`). */
export const findIdxPairs = (dir: string): ReadonlyArray<IdxPair> => {
  if (!fs.existsSync(dir)) throw new SourceNotFound({ path: dir, message: `${dir}: no such directory`, hint: "check dataset.path" })
  if (!fs.statSync(dir).isDirectory()) throw new SourceNotFound({ path: dir, message: `${dir}: not a directory` })
  const names = fs.readdirSync(dir).sort()
  const order = (name: string) => (name.startsWith("train") ? 0 : name.startsWith("t10k") || name.startsWith("test") ? 1 : 2)
  const images = names.filter((n) => /-images-idx3-ubyte(\.gz)?$/.test(n)).sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  const pairs = images.map((image) => {
    const stem = image.replace(/-images-idx3-ubyte(\.gz)?$/, "")
    const label = names.find((n) => n === `${stem}-labels-idx1-ubyte` || n === `${stem}-labels-idx1-ubyte.gz`)
    if (!label) throw new SourceNotFound({ path: `${dir}/${stem}-labels-idx1-ubyte[.gz]`, message: `${dir}: ${image} has no matching ${stem}-labels-idx1-ubyte[.gz]` })
    return { images: `${dir}/${image}`, labels: `${dir}/${label}` }
  })
  if (pairs.length === 0)
    throw new SourceNotFound({ path: dir, message: `${dir}: no *-images-idx3-ubyte[.gz] files found`, hint: "set dataset.images and dataset.labels" })
  return pairs
}
