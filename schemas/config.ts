/**
 * The whole SEED config: one file (YAML or JSON), decoded at the boundary. Each stage reads only
 * its slice, so only that slice enters its fingerprint.
 */
import * as Schema from "effect/Schema"
import { DatasetConfig, SplitConfig } from "./dataset.ts"
import { AugmentConfig, ComputeConfig, EncoderConfig, MethodConfig, ProbeConfig, TrainingConfig } from "./methods.ts"

/** Why a methods list is unusable (duplicate names would collide as stage names), or undefined. */
const methodListProblem = (methods: ReadonlyArray<{ name: string }>): string | undefined => {
  const seen = new Set<string>()
  for (const { name } of methods) {
    if (seen.has(name)) return `methods: the name "${name}" is used twice; each method needs its own name`
    seen.add(name)
  }
  return undefined
}

export const ReportConfig = Schema.Struct({
  /** Test embeddings drawn (seeded) into each 2-D projection chart. */
  projectionPoints: Schema.optionalWith(Schema.Int.pipe(Schema.between(10, 20_000)), { default: () => 2000 })
})

export const SeedConfig = Schema.Struct({
  /** Master seed: every random draw of training, augmentation and reporting derives from it. */
  seed: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  dataset: DatasetConfig,
  split: Schema.optionalWith(SplitConfig, { default: () => Schema.decodeSync(SplitConfig)({}) }),
  encoder: EncoderConfig,
  training: TrainingConfig,
  augment: Schema.optionalWith(AugmentConfig, { default: () => Schema.decodeSync(AugmentConfig)({}) }),
  methods: Schema.NonEmptyArray(MethodConfig).pipe(Schema.filter(methodListProblem)),
  probe: Schema.optionalWith(ProbeConfig, { default: () => Schema.decodeSync(ProbeConfig)({}) }),
  compute: Schema.optionalWith(ComputeConfig, { default: () => Schema.decodeSync(ComputeConfig)({}) }),
  report: Schema.optionalWith(ReportConfig, { default: () => Schema.decodeSync(ReportConfig)({}) })
})
export type SeedConfig = typeof SeedConfig.Type
