/**
 * The SEED pipeline: ingest -> split -> pretrain (one per method) -> probe (one per method) -> report.
 * Importing this module is cheap (no tfjs): heavy code loads inside each stage's run.
 */
import { definePipeline, fanOut } from "../pipeline/stage.ts"
import { SeedConfig } from "../schemas/config.ts"
import { ingestStage } from "./ingest.ts"
import { splitStage } from "./split.ts"
import { pretrainStage } from "./pretrain.ts"
import { probeStage } from "./probe.ts"
import { reportStage } from "./report.ts"
import { baseConfig, profiles } from "./profiles.ts"

export const seedPipeline = definePipeline({
  name: "seed",
  module: import.meta.url,
  config: SeedConfig,
  defaultConfig: baseConfig,
  profiles,
  defaultProfile: "quick",
  stages: (config) => [
    ingestStage,
    splitStage,
    ...fanOut(config.methods, pretrainStage),
    ...fanOut(config.methods, probeStage),
    reportStage(config.methods.map(({ name, kind }) => ({ name, kind })))
  ]
})
