/**
 * The whole SEED config: one file (YAML or JSON), decoded at the boundary. Each stage reads only
 * its slice, so only that slice enters its fingerprint.
 */
import * as Schema from "effect/Schema"
import { DatasetConfig, SplitConfig, splitModeProblem } from "./dataset.ts"
import { AugmentConfig, ComputeConfig, EncoderConfig, KnnConfig, MethodConfig, ProbeConfig, TrainingConfig } from "./methods.ts"

/** Why a methods list is unusable (duplicate names would collide as stage names), or undefined. */
const methodListProblem = (methods: ReadonlyArray<{ name: string }>): string | undefined => {
  const seen = new Set<string>()
  for (const { name } of methods) {
    if (seen.has(name)) return `methods: the name "${name}" is used twice; each method needs its own name`
    seen.add(name)
  }
  return undefined
}

/** Why a seeds list is unusable (a repeated seed would repeat its stages' names), or undefined. */
const seedListProblem = (seeds: ReadonlyArray<number>): string | undefined => {
  const repeated = seeds.find((s, i) => seeds.indexOf(s) !== i)
  return repeated === undefined ? undefined : `seeds: ${repeated} is listed twice; each training seed runs once`
}

export const ReportConfig = Schema.Struct({
  /** Test embeddings drawn (seeded) into each 2-D projection chart. */
  projectionPoints: Schema.optionalWith(Schema.Int.pipe(Schema.between(10, 20_000)), { default: () => 2000 })
})

export const SeedConfig = Schema.Struct({
  /**
   * The seed of the report's own draws (projection subsample), and the training seed when `seeds` is
   * absent, so a config written for one seed trains as before. Split and synthetic data have their
   * own `split.seed` / `dataset.seed`: the data stay fixed while the training seeds vary.
   */
  seed: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  /**
   * Training seeds: every seeded method (encoder init, heads, batch order, augmentation) is
   * pretrained and evaluated once per seed, as stages `pretrain:<method>@s<seed>`; the report
   * gives mean, spread and intervals across them. Default: `[seed]`.
   */
  seeds: Schema.optional(Schema.NonEmptyArray(Schema.Int.pipe(Schema.nonNegative())).pipe(Schema.filter(seedListProblem))),
  dataset: DatasetConfig,
  split: Schema.optionalWith(SplitConfig, { default: () => Schema.decodeSync(SplitConfig)({}) }),
  encoder: EncoderConfig,
  training: TrainingConfig,
  augment: Schema.optionalWith(AugmentConfig, { default: () => Schema.decodeSync(AugmentConfig)({}) }),
  methods: Schema.NonEmptyArray(MethodConfig).pipe(Schema.filter(methodListProblem)),
  probe: Schema.optionalWith(ProbeConfig, { default: () => Schema.decodeSync(ProbeConfig)({}) }),
  knn: Schema.optionalWith(KnnConfig, { default: () => Schema.decodeSync(KnnConfig)({}) }),
  compute: Schema.optionalWith(ComputeConfig, { default: () => Schema.decodeSync(ComputeConfig)({}) }),
  report: Schema.optionalWith(ReportConfig, { default: () => Schema.decodeSync(ReportConfig)({}) })
}).pipe(Schema.filter(splitModeProblem))
export type SeedConfig = typeof SeedConfig.Type
