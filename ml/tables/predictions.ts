/**
 * The probe's `predictions` artifact: `id` Int32, `label` Uint8, `predicted` Uint8, one row per test
 * image in test-set order, so the report can pair two methods image by image.
 */
import { Field, Int32, Schema as ArrowSchema, Uint8 } from "apache-arrow"
import * as Effect from "effect/Effect"
import { predictionFields, PredictionsMetadata } from "../../schemas/artifacts.ts"
import { ArtifactIoError, columnValues, readArrowFile, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"
import { int32Column, uint8Column } from "./columns.ts"

const predictionsArtifact = { kind: "predictions" as const, fields: predictionFields, metadata: PredictionsMetadata }

/** Row i is test image `ids[i]`, its true `labels[i]` and the probe's top-1 class `predicted[i]`. */
export interface Predictions {
  readonly ids: Int32Array
  readonly labels: Uint8Array
  readonly predicted: Uint8Array
}

export const writePredictions = (path: string, rows: Predictions, method: string): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const count = rows.ids.length
    if (rows.labels.length !== count || rows.predicted.length !== count) {
      return Effect.fail(
        new ArtifactIoError({
          path,
          message: `${path}: ${count} ids, ${rows.labels.length} labels and ${rows.predicted.length} predictions; expected one of each per test row`
        })
      )
    }
    const schema = new ArrowSchema(
      [new Field("id", new Int32(), false), new Field("label", new Uint8(), false), new Field("predicted", new Uint8(), false)],
      seedMetadata({ kind: "predictions", method, rows: count } satisfies typeof PredictionsMetadata.Encoded)
    )
    return writeArrowFile(path, tableOf(schema, count, [int32Column(rows.ids), uint8Column(rows.labels), uint8Column(rows.predicted)]))
  })

export const readPredictions = (path: string): Effect.Effect<Predictions & { readonly method: string }, ArtifactIoError> =>
  Effect.gen(function* () {
    const { table, metadata } = yield* readArrowFile(path, predictionsArtifact)
    return {
      ids: columnValues(table, "id", (n) => new Int32Array(n)),
      labels: columnValues(table, "label", (n) => new Uint8Array(n)),
      predicted: columnValues(table, "predicted", (n) => new Uint8Array(n)),
      method: metadata.method
    }
  })
