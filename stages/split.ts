/**
 * split: stratified, seeded train/val/test split of the ingested images (`split` config slice).
 * `official` mode (the default where the source has one) keeps the source's own test set as test;
 * train rows whose pixels equal a val or test image are dropped (`split.duplicatesDropped` in the
 * train table's metadata and the provenance).
 *
 * Three separate files rather than one table with a split column: each gets its own content hash,
 * and a change confined to one split cuts off early. Train rows are the first `n * train` of each
 * class's seeded permutation, so moving share between val and test (0.1/0.1 -> 0.05/0.15) leaves
 * train.arrow byte-identical and the runner keeps everything that reads only train (pretraining)
 * cached; a single table would change its hash and rerun all of it.
 */
import * as Effect from "effect/Effect"
import { imageTableFields } from "../data/image-metadata.ts"
import { defineStage, type OutputSpec } from "../pipeline/stage.ts"
import type { SeedConfig } from "../schemas/config.ts"
import { SplitConfig } from "../schemas/dataset.ts"

export const SplitParams = SplitConfig

const splitOutput = (name: string): OutputSpec => ({
  description: `${name} images (ingest ids kept, input order), per-split class counts in the seed metadata`,
  format: "arrow",
  fields: imageTableFields
})

export const splitStage = defineStage({
  name: "split",
  module: import.meta.url,
  params: SplitParams,
  selectParams: (config: SeedConfig) => config.split,
  inputs: { images: { stage: "ingest", output: "images" } },
  outputs: { train: splitOutput("train"), val: splitOutput("val"), test: splitOutput("test") },
  heavy: true,
  run: (ctx) =>
    Effect.gen(function* () {
      const { splitImageTable } = yield* Effect.promise(() => import("../data/split-table.ts"))
      const tables = yield* splitImageTable(
        ctx.inputs.images.path,
        { train: ctx.outputPath("train"), val: ctx.outputPath("val"), test: ctx.outputPath("test") },
        ctx.params,
        { onProgress: (done, total) => ctx.progress(done, total, "images") }
      )
      const mode = tables.test.split?.mode ?? "random"
      const duplicatesDropped = tables.train.split?.duplicatesDropped ?? 0
      yield* ctx.log(
        `split ${tables.train.rows} / ${tables.val.rows} / ${tables.test.rows} (train / val / test, ${mode} test set; ` +
          `${duplicatesDropped} train images dropped as exact duplicates of val/test images)`
      )
      yield* ctx.recordProvenance({
        rows: { train: tables.train.rows, val: tables.val.rows, test: tables.test.rows },
        mode,
        duplicatesDropped
      })
    })
})
