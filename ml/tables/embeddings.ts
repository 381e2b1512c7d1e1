/** The embeddings artifact: `id` Int32, `label` Uint8, `embedding` FixedSizeList<Float32>(D). */
import { Field, FixedSizeList, Float32, Int32, Schema as ArrowSchema, Uint8, makeData } from "apache-arrow"
import * as Effect from "effect/Effect"
import type { LabelledEmbeddings } from "../linear-probe.ts"
import { ArtifactIoError, columnValues, readArrowFile, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"

export interface EmbeddingTable extends LabelledEmbeddings {
  readonly ids: Int32Array
  readonly method: string
  /** Class names by label (the probe's per-class table names its rows with them). */
  readonly classNames: ReadonlyArray<string>
}

export const embeddingFields = ["id", "label", "embedding"] as const

/** Writes the embedding rows of one split. */
export const writeEmbeddings = (path: string, rows: EmbeddingTable): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const listType = new FixedSizeList(rows.dim, new Field("value", new Float32(), false))
    const schema = new ArrowSchema(
      [new Field("id", new Int32(), false), new Field("label", new Uint8(), false), new Field("embedding", listType, false)],
      seedMetadata({ kind: "embeddings", method: rows.method, dim: rows.dim, rows: rows.count, classNames: rows.classNames })
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

/** Reads an embeddings artifact back into typed arrays. */
export const readEmbeddings = (path: string): Effect.Effect<EmbeddingTable, ArtifactIoError> =>
  Effect.gen(function* () {
    const { table, metadata } = yield* readArrowFile(path, "embeddings")
    const dim = Number(metadata.dim)
    const count = table.numRows
    const values = new Float32Array(count * dim)
    let offset = 0
    for (const chunk of table.getChild("embedding")?.data ?? []) {
      const flat = chunk.children[0].values as Float32Array
      values.set(flat.subarray(chunk.offset * dim, (chunk.offset + chunk.length) * dim), offset)
      offset += chunk.length * dim
    }
    if (offset !== count * dim) {
      return yield* Effect.fail(new ArtifactIoError({ path, message: `${path}: ${offset} embedding values for ${count} rows of dim ${dim}` }))
    }
    return {
      ids: columnValues(table, "id", (n) => new Int32Array(n)),
      labels: columnValues(table, "label", (n) => new Uint8Array(n)),
      values,
      count,
      dim,
      method: String(metadata.method),
      classNames: Array.isArray(metadata.classNames) ? metadata.classNames.map(String) : []
    }
  })
