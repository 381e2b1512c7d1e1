/**
 * The image table: Arrow IPC *file* with `id` Int32, `label` Uint8, `pixels` FixedSizeBinary(H*W*C),
 * written batch by batch (memory stays one batch) and read back into one contiguous `ImageSet`
 * by copying each batch's child buffers whole (no per-row work).
 */
import {
  AsyncByteQueue,
  Field,
  FixedSizeBinary,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema as ArrowSchema,
  Struct,
  Uint8
} from "apache-arrow"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import type { ImageSet } from "./image-set.ts"
import { ImageTableMetadata, rowBytesOf } from "./image-metadata.ts"
import { ImageTableError, toDataError, type DataError } from "./errors.ts"

export { ImageTableMetadata } from "./image-metadata.ts"

/** A run of consecutive rows; `pixels` holds `count * rowBytes` bytes. */
export interface ImageBatch {
  readonly count: number
  readonly ids: Int32Array
  readonly labels: Uint8Array
  readonly pixels: Uint8Array
}

/** The Arrow schema of an image table carrying `metadata` under the `seed` key. */
export const imageTableSchema = (metadata: ImageTableMetadata): ArrowSchema =>
  new ArrowSchema(
    [
      new Field("id", new Int32(), false),
      new Field("label", new Uint8(), false),
      new Field("pixels", new FixedSizeBinary(rowBytesOf(metadata.shape)), false)
    ],
    new Map([["seed", JSON.stringify(metadata)]])
  )

/** Wraps typed arrays as a record batch without copying them. */
const toRecordBatch = (schema: ArrowSchema, batch: ImageBatch): RecordBatch => {
  const [idField, labelField, pixelField] = schema.fields
  const n = batch.count
  const children = [
    makeData({ type: idField.type as Int32, length: n, nullCount: 0, data: batch.ids.subarray(0, n) }),
    makeData({ type: labelField.type as Uint8, length: n, nullCount: 0, data: batch.labels.subarray(0, n) }),
    makeData({
      type: pixelField.type as FixedSizeBinary,
      length: n,
      nullCount: 0,
      data: batch.pixels.subarray(0, n * (pixelField.type as FixedSizeBinary).byteWidth)
    })
  ]
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }))
}

/** Arrow's writer sink, redirected to synchronous writes on a file descriptor so bytes never queue up. */
class FileDescriptorSink extends AsyncByteQueue {
  constructor(private readonly fd: number) {
    super()
  }
  override write(value: ArrayBufferView) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    for (let done = 0; done < bytes.byteLength; ) done += fs.writeSync(this.fd, bytes, done)
  }
}

/** An open image table being written; rows must total `metadata.rows` when it commits. */
export interface ImageTableWriter {
  /** Writes one batch; its buffers may be reused as soon as this returns. */
  readonly append: (batch: ImageBatch) => Effect.Effect<void, ImageTableError>
  /** Finishes the footer, checks the row count and class counts, and moves the file into place. */
  readonly commit: Effect.Effect<void, ImageTableError>
  readonly rowsWritten: () => number
}

const fail = (path: string, message: string, hint?: string) => new ImageTableError({ path, message, hint })

/**
 * Opens a writer on a temporary sibling of `path`; the table appears at `path` only on commit,
 * and the temporary file is removed when the scope closes without a commit (failure, interruption).
 */
export const makeImageTableWriter = (
  path: string,
  metadata: ImageTableMetadata
): Effect.Effect<ImageTableWriter, ImageTableError, Scope.Scope> =>
  Effect.gen(function* () {
    const temp = `${path}.partial-${process.pid}`
    const state = { committed: false, closed: false }
    const fd = yield* Effect.acquireRelease(
      Effect.try({ try: () => fs.openSync(temp, "w"), catch: (e) => fail(path, `cannot create ${temp}: ${String(e)}`) }),
      (fd) =>
        Effect.sync(() => {
          if (!state.closed) fs.closeSync(fd)
          if (!state.committed) fs.rmSync(temp, { force: true })
        })
    )
    const schema = imageTableSchema(metadata)
    const writer = new RecordBatchFileWriter()
    const sink = new FileDescriptorSink(fd)
    writer.reset(sink as never)
    const rowBytes = rowBytesOf(metadata.shape)
    const counts = new Array<number>(metadata.classNames.length).fill(0)
    let rows = 0
    const append = (batch: ImageBatch) =>
      Effect.try({
        try: () => {
          if (batch.count === 0) return
          if (batch.pixels.length < batch.count * rowBytes) throw new Error(`batch pixels shorter than ${batch.count} rows`)
          for (let i = 0; i < batch.count; i++) counts[batch.labels[i]]++
          writer.write(toRecordBatch(schema, batch))
          rows += batch.count
        },
        catch: (e) => fail(path, `writing ${path}: ${e instanceof Error ? e.message : String(e)}`)
      })
    const commit = Effect.gen(function* () {
      if (rows !== metadata.rows || counts.some((c, i) => c !== metadata.classCounts[i]))
        return yield* Effect.fail(
          fail(path, `${path}: wrote ${rows} rows (class counts ${counts}) but the metadata declares ${metadata.rows} (${metadata.classCounts})`)
        )
      // A table without batches still needs its schema, so Arrow readers can open it.
      if (rows === 0) writer.reset(sink as never, schema as never)
      yield* Effect.try({
        try: () => {
          writer.close()
          // No fsync here: the runner fsyncs when it commits the output to the store.
          fs.closeSync(fd)
          state.closed = true
          fs.renameSync(temp, path)
          state.committed = true
        },
        catch: (e) => fail(path, `finishing ${path}: ${String(e)}`)
      })
    })
    return { append, commit, rowsWritten: () => rows }
  })

/** Opens a file-format Arrow reader on `path`, closing the handle when the scope ends. */
const openReader = (path: string) =>
  Effect.gen(function* () {
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => fsp.open(path, "r"), catch: toDataError(path) }),
      (h) => Effect.promise(() => h.close())
    )
    const reader = yield* Effect.tryPromise({
      try: async () => (await RecordBatchReader.from(handle)).open(),
      catch: (e) => fail(path, `${path} is not an Arrow IPC file: ${String(e)}`)
    })
    if (!reader.isFile()) return yield* Effect.fail(fail(path, `${path} is an Arrow stream, not an Arrow IPC file`))
    return reader
  })

const decodeMetadata = Schema.decodeUnknown(Schema.parseJson(ImageTableMetadata))

const metadataOf = (path: string, raw: string | undefined) =>
  raw === undefined
    ? Effect.fail(fail(path, `${path} has no "seed" schema metadata: not an image table`, "re-run the ingest stage"))
    : decodeMetadata(raw).pipe(Effect.mapError((e) => fail(path, `${path}: invalid image metadata: ${e.message}`)))

/** Reads only the schema metadata (the file footer), not the pixels. */
export const readImageMetadataEffect = (path: string): Effect.Effect<ImageTableMetadata, DataError> =>
  Effect.scoped(Effect.flatMap(openReader(path), (reader) => metadataOf(path, reader.schema.metadata.get("seed"))))

/** Calls `onBatch` for each record batch in file order, with views on the batch's buffers (valid during the call). */
export const forEachImageBatch = <E>(
  path: string,
  onBatch: (batch: ImageBatch, metadata: ImageTableMetadata) => Effect.Effect<void, E>
): Effect.Effect<ImageTableMetadata, DataError | E> =>
  Effect.scoped(
    Effect.gen(function* () {
      const reader = yield* openReader(path)
      const metadata = yield* metadataOf(path, reader.schema.metadata.get("seed"))
      const rowBytes = rowBytesOf(metadata.shape)
      const iterator = reader[Symbol.asyncIterator]()
      let rows = 0
      for (;;) {
        const next = yield* Effect.tryPromise({ try: () => iterator.next(), catch: toDataError(path) })
        if (next.done) break
        const batch = next.value
        const [ids, labels, pixels] = [0, 1, 2].map((i) => batch.getChildAt(i)!.data[0])
        if (ids.values.length < ids.offset + batch.numRows || pixels.type.byteWidth !== rowBytes)
          return yield* Effect.fail(fail(path, `${path}: batch layout does not match shape ${metadata.shape}`))
        const n = batch.numRows
        yield* onBatch(
          {
            count: n,
            ids: (ids.values as Int32Array).subarray(ids.offset, ids.offset + n),
            labels: (labels.values as Uint8Array).subarray(labels.offset, labels.offset + n),
            pixels: (pixels.values as Uint8Array).subarray(pixels.offset * rowBytes, (pixels.offset + n) * rowBytes)
          },
          metadata
        )
        rows += n
      }
      if (rows !== metadata.rows)
        return yield* Effect.fail(fail(path, `${path}: holds ${rows} rows but its metadata declares ${metadata.rows}`))
      return metadata
    })
  )

/** Reads a whole image table into one contiguous ImageSet, copying each batch's buffers in one call each. */
export const readImageTableEffect = (path: string): Effect.Effect<ImageSet, DataError> =>
  Effect.gen(function* () {
    const metadata = yield* readImageMetadataEffect(path)
    const rowBytes = rowBytesOf(metadata.shape)
    const ids = new Int32Array(metadata.rows)
    const labels = new Uint8Array(metadata.rows)
    const pixels = new Uint8Array(metadata.rows * rowBytes)
    let at = 0
    yield* forEachImageBatch(path, (batch) =>
      Effect.sync(() => {
        ids.set(batch.ids, at)
        labels.set(batch.labels, at)
        pixels.set(batch.pixels, at * rowBytes)
        at += batch.count
      })
    )
    return { ids, labels, pixels, count: metadata.rows, shape: metadata.shape, classNames: metadata.classNames }
  })

/** Runs an effect, rejecting with its own typed error (not a FiberFailure wrapper). */
const runToPromise = <A>(effect: Effect.Effect<A, DataError>): Promise<A> =>
  Effect.runPromise(Effect.either(effect)).then((result) => {
    if (result._tag === "Left") throw result.left
    return result.right
  })

/** Promise form for the ML and report code: the whole table as an ImageSet. */
export const readImageTable = (path: string): Promise<ImageSet> => runToPromise(readImageTableEffect(path))

/** Promise form: the table's `seed` metadata only (cheap: reads the footer). */
export const readImageMetadata = (path: string): Promise<ImageTableMetadata> =>
  runToPromise(readImageMetadataEffect(path))
