/**
 * The compute slice of the pretrain and probe stages: the backend resolved on this machine and the
 * threads per stage, decided from the config and the machine alone (never from what happens to be stale),
 * so the cache key is known before anything runs.
 */
import * as os from "node:os"
import { resolveCompute, type ResolvedCompute } from "../ml/compute.ts"
import type { SeedConfig } from "../schemas/config.ts"
import { seededRuns } from "./seeded-runs.ts"

/**
 * How many heavy stages can run at once: two per training run (each run is pretrain, then its probe and
 * kNN side by side; ingest and split come before them all), at most one per core. The runner keeps to it
 * (heavyConcurrency).
 */
export const heavyStagesAtOnce = (config: SeedConfig): number =>
  Math.min(os.availableParallelism(), Math.max(1, 2 * seededRuns(config).length))

/** `compute` as the stages key and run it. */
export const computeSlice = (config: SeedConfig): ResolvedCompute => resolveCompute(config.compute, heavyStagesAtOnce(config))
