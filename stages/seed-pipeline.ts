/**
 * The SEED pipeline: ingest -> split -> pretrain (per method and training seed) -> probe and kNN
 * (per pretrain) -> report. Importing this module is cheap (no tfjs): heavy code loads inside each stage's run.
 */
import { definePipeline, fanOut } from "../pipeline/stage.ts"
import { SeedConfig } from "../schemas/config.ts"
import { ingestStage } from "./ingest.ts"
import { splitStage } from "./split.ts"
import { pretrainStage } from "./pretrain-kinds.ts"
import { probeStage } from "./probe.ts"
import { knnStage } from "./knn.ts"
import { reportStage } from "./report.ts"
import { baseConfig, profiles } from "./profiles.ts"
import { seededRuns } from "./seeded-runs.ts"
import { heavyStagesAtOnce } from "./compute.ts"

export const seedPipeline = definePipeline({
  name: "seed",
  module: import.meta.url,
  config: SeedConfig,
  defaultConfig: baseConfig,
  profiles,
  defaultProfile: "quick",
  // the thread count per stage (stages/compute.ts) assumes no more heavy stages at once than this
  heavyConcurrency: heavyStagesAtOnce,
  stages: (config) => {
    const runs = seededRuns(config)
    return [
      ingestStage,
      splitStage,
      ...fanOut(runs, pretrainStage),
      ...fanOut(runs, probeStage),
      ...fanOut(runs, knnStage),
      reportStage(runs.map(({ method, seed }) => ({ name: method.name, kind: method.kind, seed })))
    ]
  }
})
