/**
 * ingest: reads the configured dataset (`dataset` config slice) into one Arrow image table.
 * Readers load lazily inside `run`, so importing this module (every `pipeline status`) stays cheap;
 * only the listing of the dataset's files (no decoders) is imported up front, for the stage's key.
 */
import * as Effect from "effect/Effect"
import { defineStage } from "../pipeline/stage.ts"
import { datasetFiles } from "../data/dataset-files.ts"
import { imageTableFields } from "../data/image-metadata.ts"
import type { SeedConfig } from "../schemas/config.ts"
import { DatasetConfig } from "../schemas/dataset.ts"

export const IngestParams = DatasetConfig

export const ingestStage = defineStage({
  name: "ingest",
  module: import.meta.url,
  params: IngestParams,
  selectParams: (config: SeedConfig) => config.dataset,
  inputs: {},
  // the dataset's files are in the key by content: other bytes at the same path (or relative path) rerun ingest
  externalFiles: datasetFiles,
  outputs: {
    images: {
      description: "all images: id Int32, label Uint8, pixels FixedSizeBinary(H*W*C); seed metadata: source, shape, classes, hashes",
      format: "arrow",
      fields: imageTableFields
    }
  },
  heavy: true,
  run: (ctx) =>
    Effect.gen(function* () {
      const { ingestDataset } = yield* Effect.promise(() => import("../data/ingest.ts"))
      const metadata = yield* ingestDataset(ctx.params, ctx.outputPath("images"), {
        onProgress: (done, total) => ctx.progress(done, total, "images")
      })
      yield* ctx.log(`ingested ${metadata.rows} images ${metadata.shape.join("x")} from ${metadata.source}`)
      yield* ctx.recordProvenance({
        source: metadata.source,
        rows: metadata.rows,
        shape: metadata.shape,
        classCounts: metadata.classCounts,
        sourceFiles: metadata.sourceFiles.length
      })
    })
})
