/** The embeddings artifact: `id` Int32, `label` Uint8, `embedding` FixedSizeList<Float32>(D). */
import { DataType, Field, FixedSizeList, Float32, Int32, Precision, Schema as ArrowSchema, Uint8, makeData } from "apache-arrow"
import * as Effect from "effect/Effect"
import { embeddingFields, EmbeddingsMetadata } from "../../schemas/artifacts.ts"
import type { LabelledEmbeddings } from "../linear-probe.ts"
import { ArtifactIoError, columnValues, readArrowFile, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"

/** One split's embeddings: row i is image `ids[i]`, its `labels[i]` and `values[i*dim .. (i+1)*dim)`. */
export interface EmbeddingTable extends LabelledEmbeddings {
  readonly ids: Int32Array
  readonly method: string
  /** Class names by label (the probe's per-class table names its rows with them). */
  readonly classNames: ReadonlyArray<string>
}

const embeddingsArtifact = { kind: "embeddings" as const, fields: embeddingFields, metadata: EmbeddingsMetadata }

/** Writes the embedding rows of one split. */
export const writeEmbeddings = (path: string, rows: EmbeddingTable): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const listType = new FixedSizeList(rows.dim, new Field("value", new Float32(), false))
    const metadata: typeof EmbeddingsMetadata.Encoded = { kind: "embeddings", method: rows.method, dim: rows.dim, rows: rows.count, classNames: rows.classNames }
    const schema = new ArrowSchema(
      [new Field("id", new Int32(), false), new Field("label", new Uint8(), false), new Field("embedding", listType, false)],
      seedMetadata(metadata)
    )
    const values = makeData({ type: new Float32(), length: rows.count * rows.dim, nullCount: 0, data: rows.values })
    return writeArrowFile(
      path,
      tableOf(schema, rows.count, [
        makeData({ type: new Int32(), length: rows.count, nullCount: 0, data: rows.ids }),
        makeData({ type: new Uint8(), length: rows.count, nullCount: 0, data: rows.labels }),
        makeData({ type: listType, length: rows.count, nullCount: 0, child: values })
      ])
    )
  })

const isFloat32 = (type: DataType) => DataType.isFloat(type) && type.precision === Precision.SINGLE

/** Reads an embeddings artifact back into typed arrays (batch by batch into one array); non-finite values are an error. */
export const readEmbeddings = (path: string): Effect.Effect<EmbeddingTable, ArtifactIoError> =>
  Effect.gen(function* () {
    const { table, metadata } = yield* readArrowFile(path, embeddingsArtifact)
    const column = table.getChild("embedding")!
    const type = column.type
    if (!DataType.isFixedSizeList(type) || !isFloat32(type.valueType) || type.listSize !== metadata.dim) {
      return yield* new ArtifactIoError({ path, message: `${path}: column "embedding" must be FixedSizeList<Float32>(${metadata.dim}), found ${String(type)}` })
    }
    const dim = metadata.dim
    const count = table.numRows
    const values = new Float32Array(count * dim)
    let row = 0
    for (const chunk of column.data) {
      const child = chunk.children[0]
      values.set((child.values as Float32Array).subarray(child.offset + chunk.offset * dim, child.offset + (chunk.offset + chunk.length) * dim), row * dim)
      row += chunk.length
    }
    const bad = values.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0) return yield* new ArtifactIoError({ path, message: `${path}: the embedding of row ${Math.floor(bad / dim)} is not finite`, hint: "rerun the pretrain stage" })
    return {
      ids: columnValues(table, "id", (n) => new Int32Array(n)),
      labels: columnValues(table, "label", (n) => new Uint8Array(n)),
      values,
      count,
      dim,
      method: metadata.method,
      classNames: metadata.classNames
    }
  })
