/** A decoded SEED config for stage tests: a small synthetic base with `overrides` deep-merged over it (arrays replaced). */
import * as Schema from "effect/Schema"
import { deepMerge } from "../../pipeline/config.ts"
import { SeedConfig } from "../../schemas/config.ts"

const base = {
  dataset: { source: "synthetic", perClass: 4, size: 8 },
  encoder: { widths: [4], embeddingDim: 4 },
  training: { epochs: 1, batchSize: 8, learningRate: 1e-3 },
  methods: [{ name: "m", kind: "autoencoder" }]
}

/** What `pipeline run` hands the stages: the config decoded by the SeedConfig schema. A `dataset` override replaces the base's whole (another source has other keys). */
export const seedConfig = (overrides: Record<string, unknown> = {}): SeedConfig =>
  Schema.decodeUnknownSync(SeedConfig)({ ...(deepMerge(base, overrides) as object), dataset: overrides.dataset ?? base.dataset })
