/**
 * Which (method, training seed) runs a config asks for, and the stage names they get:
 * `pretrain:contrastive@s1`, `probe:contrastive@s1`, `knn:contrastive@s1`. Raw pixels do not depend
 * on a seed, so they run once and keep the bare name (`pretrain:raw-pixels`). A seed's stages are
 * named by the seed itself, not its position, so adding a seed leaves the others' names (and caches) alone.
 */
import type { MethodConfig } from "../schemas/methods.ts"

/** The training seeds of a config: `seeds`, or `[seed]` for a config written before `seeds` existed. */
export const trainingSeeds = (config: { readonly seed?: number; readonly seeds?: ReadonlyArray<number> }): ReadonlyArray<number> =>
  config.seeds ?? [config.seed ?? 0]

/** Kinds whose result does not depend on the training seed (nothing is initialized or drawn). */
export const seedFreeKinds: ReadonlySet<string> = new Set(["raw-pixels"])

/** One pretrain/evaluate run: a method at one training seed, or at none (seed-free kinds). */
export interface SeededRun {
  readonly method: MethodConfig
  readonly seed: number | null
}

/** `contrastive@s1`, or `raw-pixels` for a seed-free run: the part of a stage name after `pretrain:`. */
export const runKey = (method: string, seed: number | null): string => (seed === null ? method : `${method}@s${seed}`)

/** The seeds a method runs at: every training seed, or `[null]` when its kind is seed-free. */
export const seedsOf = (kind: string, seeds: ReadonlyArray<number>): ReadonlyArray<number | null> =>
  seedFreeKinds.has(kind) ? [null] : seeds

/** Every run of the config, methods in config order, seeds in `seeds` order within each method. */
export const seededRuns = (config: { readonly methods: ReadonlyArray<MethodConfig>; readonly seed?: number; readonly seeds?: ReadonlyArray<number> }): ReadonlyArray<SeededRun> => {
  const seeds = trainingSeeds(config)
  return config.methods.flatMap((method) => seedsOf(method.kind, seeds).map((seed) => ({ method, seed })))
}

/** The train/val/test embeddings of one pretrain run: what the probe and kNN stages read. */
export const embeddingInputs = (run: SeededRun) => {
  const pretrain = `pretrain:${runKey(run.method.name, run.seed)}`
  return {
    train: { stage: pretrain, output: "train" },
    val: { stage: pretrain, output: "val" },
    test: { stage: pretrain, output: "test" }
  } as const
}
