/** The training-history artifact: `epoch` Int32, `loss`, `seconds`, `images_per_s` Float64. */
import { Field, Float64, Int32, Schema as ArrowSchema } from "apache-arrow"
import * as Effect from "effect/Effect"
import type { EpochRecord } from "../train-loop.ts"
import { ArtifactIoError, readArrowFile, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"
import { float64Column, int32Column } from "./columns.ts"

export const historyFields = ["epoch", "loss", "seconds", "images_per_s"] as const

export const writeHistory = (path: string, history: ReadonlyArray<EpochRecord>, method: string): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const schema = new ArrowSchema(
      [
        new Field("epoch", new Int32(), false),
        new Field("loss", new Float64(), false),
        new Field("seconds", new Float64(), false),
        new Field("images_per_s", new Float64(), false)
      ],
      seedMetadata({ kind: "history", method })
    )
    return writeArrowFile(
      path,
      tableOf(schema, history.length, [
        int32Column(history.map((h) => h.epoch)),
        float64Column(history.map((h) => h.loss)),
        float64Column(history.map((h) => h.seconds)),
        float64Column(history.map((h) => h.imagesPerSecond))
      ])
    )
  })

export const readHistory = (path: string): Effect.Effect<ReadonlyArray<EpochRecord>, ArtifactIoError> =>
  Effect.map(readArrowFile(path, "history"), ({ table }) =>
    table.toArray().map((row) => ({
      epoch: Number(row.epoch),
      loss: Number(row.loss),
      seconds: Number(row.seconds),
      imagesPerSecond: Number(row.images_per_s)
    }))
  )
