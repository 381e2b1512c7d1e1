/**
 * The whole SEED config: one file (YAML or JSON), decoded at the boundary. Each stage reads only
 * its slice, so only that slice enters its fingerprint.
 */
import * as Schema from "effect/Schema"
import { DatasetConfig, imageSideOf, SplitConfig, splitModeProblem } from "./dataset.ts"
import { blockAt, blockSides } from "./encoder-geometry.ts"
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

/**
 * Encoder settings that cannot fit the encoder or the images, each at its key path: an infomax
 * local layer outside the blocks, and (where the dataset's image size is known from the config) a
 * pooling grid larger than the last block's map or a local pool that does not divide its block.
 */
const encoderFitProblems = (config: {
  dataset: DatasetConfig
  encoder: EncoderConfig
  methods: ReadonlyArray<MethodConfig>
}): Array<Schema.FilterIssue> => {
  const { encoder } = config
  const side = imageSideOf(config.dataset)
  const sides = side === undefined ? undefined : blockSides(encoder, [side, side])
  const problems: Array<Schema.FilterIssue> = []
  const last = sides?.[sides.length - 1]
  const poolGrid = encoder.poolGrid ?? 1
  if (last !== undefined && poolGrid > Math.min(...last))
    problems.push({ path: ["encoder", "poolGrid"], message: `${poolGrid} is larger than the last block's ${last[0]}x${last[1]} map (${side}x${side} images); lower it or the strides` })
  config.methods.forEach((method, i) => {
    if (method.kind !== "infomax") return
    const block = blockAt(encoder.widths.length, method.localLayer)
    if (block === undefined) {
      problems.push({ path: ["methods", i, "localLayer"], message: `block ${method.localLayer} is outside the encoder's ${encoder.widths.length} blocks (encoder.widths); use 0..${encoder.widths.length - 1} or -1..-${encoder.widths.length}` })
      return
    }
    const map = sides?.[block]
    if (map !== undefined && (map[0] % method.localPool !== 0 || map[1] % method.localPool !== 0))
      problems.push({ path: ["methods", i, "localPool"], message: `${method.localPool} does not divide block ${method.localLayer}'s ${map[0]}x${map[1]} map (${side}x${side} images)` })
  })
  return problems
}

/** Test embeddings drawn (seeded) into each 2-D projection chart. */
export const ProjectionPoints = Schema.Int.pipe(Schema.between(10, 20_000))

export const ReportConfig = Schema.Struct({
  /** Default: enough to show the class structure, small enough for a light page. */
  projectionPoints: Schema.optionalWith(ProjectionPoints, { default: () => 2000 })
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
}).pipe(Schema.filter(splitModeProblem), Schema.filter(encoderFitProblems))
export type SeedConfig = typeof SeedConfig.Type
