/** The training-history artifact: `epoch` Int32, `loss`, `seconds`, `images_per_s` Float64, one row per epoch. */
import { Field, Float64, Int32, Schema as ArrowSchema } from "apache-arrow"
import * as Effect from "effect/Effect"
import { historyFields, HistoryMetadata, type EpochRecord } from "../../schemas/artifacts.ts"
import { ArtifactIoError, numberColumn, readArrowFile, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"
import { float64Column, int32Column } from "./columns.ts"

const historyArtifact = { kind: "history" as const, fields: historyFields, metadata: HistoryMetadata }

export const writeHistory = (path: string, epochs: ReadonlyArray<EpochRecord>, method: string): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const metadata: typeof HistoryMetadata.Encoded = { kind: "history", method }
    const schema = new ArrowSchema(
      [
        new Field("epoch", new Int32(), false),
        new Field("loss", new Float64(), false),
        new Field("seconds", new Float64(), false),
        new Field("images_per_s", new Float64(), false)
      ],
      seedMetadata(metadata)
    )
    return writeArrowFile(
      path,
      tableOf(schema, epochs.length, [
        int32Column(epochs.map((h) => h.epoch)),
        float64Column(epochs.map((h) => h.loss)),
        float64Column(epochs.map((h) => h.seconds)),
        float64Column(epochs.map((h) => h.imagesPerSecond))
      ])
    )
  })

/** One record per epoch (none for the kinds that do not train). */
export const readHistory = (path: string): Effect.Effect<ReadonlyArray<EpochRecord>, ArtifactIoError> =>
  Effect.map(readArrowFile(path, historyArtifact), ({ table }) => {
    const [epoch, loss, seconds, imagesPerSecond] = historyFields.map((name) => numberColumn(table, name))
    return epoch.map((e, i) => ({ epoch: e, loss: loss[i], seconds: seconds[i], imagesPerSecond: imagesPerSecond[i] }))
  })
