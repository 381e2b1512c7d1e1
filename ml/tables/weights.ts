/** The encoder-weights artifact: `name` Utf8, `shape` List<Int32>, `values` List<Float32>, one row per tensor. */
import { Field, Schema as ArrowSchema, Utf8 } from "apache-arrow"
import * as Effect from "effect/Effect"
import type { ParamSet } from "../weights.ts"
import { weightFields, WeightsMetadata } from "../../schemas/artifacts.ts"
import { ArtifactIoError, readArrowFile, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"
import { listColumn, listField, utf8Column } from "./columns.ts"

export interface NamedWeights {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly values: Float32Array
}

const weightsArtifact = { kind: "weights" as const, fields: weightFields, metadata: WeightsMetadata }

/** Snapshot of a parameter set's values, in order. */
export const snapshotParams = (params: ParamSet): ReadonlyArray<NamedWeights> =>
  [...params].map(([name, v]) => ({ name, shape: v.shape, values: Float32Array.from(v.dataSync() as Float32Array) }))

/** Writes weights (possibly none, for the raw-pixel baseline). */
export const writeWeights = (
  path: string,
  weights: ReadonlyArray<NamedWeights>,
  metadata: { method: string; backend: string }
): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const schema = new ArrowSchema(
      [new Field("name", new Utf8(), false), listField("shape", "int32"), listField("values", "float32")],
      seedMetadata({ kind: "weights", ...metadata } satisfies typeof WeightsMetadata.Encoded)
    )
    return writeArrowFile(
      path,
      tableOf(schema, weights.length, [
        utf8Column(weights.map((w) => w.name)),
        listColumn(weights.map((w) => Int32Array.from(w.shape)), "int32"),
        listColumn(weights.map((w) => w.values), "float32")
      ])
    )
  })

export const readWeights = (path: string): Effect.Effect<ReadonlyArray<NamedWeights>, ArtifactIoError> =>
  Effect.map(readArrowFile(path, weightsArtifact), ({ table }) =>
    table.toArray().map((row) => ({
      name: String(row.name),
      shape: Array.from(row.shape.toArray() as Int32Array),
      values: Float32Array.from(row.values.toArray() as Float32Array)
    }))
  )
