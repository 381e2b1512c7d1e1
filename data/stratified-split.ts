/**
 * The stratified split plan: per class, how many rows go to train/val/test (each class keeps the
 * ratios to within one row) and which of the class's rows,
 * by rank in input order, go where (a seeded permutation per class). The plan depends only on
 * the class counts, the ratios and the seed, so it is computed before any pixel is read.
 */
import { makeRng, permutation } from "./random.ts"
import { splitRatioProblem } from "../schemas/dataset.ts"
import { InvalidSplit } from "./errors.ts"

export const splitNames = ["train", "val", "test"] as const
export type SplitName = (typeof splitNames)[number]
export type SplitRatios = { readonly train: number; readonly val: number; readonly test: number }

/** Fails with InvalidSplit when ratios are negative or do not sum to 1. */
export const checkRatios = (ratios: SplitRatios): InvalidSplit | undefined => {
  const problem = splitRatioProblem(ratios)
  return problem === undefined ? undefined : new InvalidSplit({ message: problem, hint: "set split.train/val/test to non-negative numbers summing to 1" })
}

/**
 * Rows of an `n`-row class per split: train = round(n * train), test = round(n * test), val the
 * rest. Train's count depends on the train ratio alone and test's on the test ratio alone, so
 * with train rows taken from the front of the class permutation and test rows from the back, a
 * ratio change that keeps one of them fixed leaves that split's rows (and file) unchanged.
 */
export const allocate = (n: number, ratios: SplitRatios): [number, number, number] => {
  const train = Math.round(n * ratios.train)
  const test = Math.min(n - train, Math.round(n * ratios.test))
  return [train, n - train - test, test]
}

export interface SplitPlan {
  /** `assignment[c][rank]` = split index (0 train, 1 val, 2 test) of the rank-th row of class c. */
  readonly assignment: ReadonlyArray<Uint8Array>
  /** `counts[split][c]` rows of class c in that split. */
  readonly counts: ReadonlyArray<ReadonlyArray<number>>
}

export const planSplit = (classCounts: ReadonlyArray<number>, ratios: SplitRatios, seed: number): SplitPlan => {
  const rng = makeRng(seed).fork("split")
  const counts = splitNames.map(() => new Array<number>(classCounts.length).fill(0))
  const assignment = classCounts.map((n, c) => {
    const [train, val] = allocate(n, ratios)
    const order = permutation(n, rng.fork(`class-${c}`))
    const assign = new Uint8Array(n)
    for (let k = 0; k < n; k++) assign[order[k]] = k < train ? 0 : k < train + val ? 1 : 2
    for (const s of assign) counts[s][c]++
    return assign
  })
  return { assignment, counts }
}

/** How the test split is chosen: the source's own test set, or a seeded share of every row. */
export type SplitMode = "official" | "random"

/** Route codes: a row's split index (0 train, 1 val, 2 test), or `droppedRoute` for a train row removed as a duplicate. */
export const droppedRoute = 3

/**
 * Every row's split, in input order. `random`: the stratified plan over all rows (by rank within
 * class, as `planSplit` assigns). `official`: rows before `officialTestFrom` are the official train
 * set, of which a stratified, seeded `val` share becomes val and the rest train; every later row is test.
 */
export const routeRows = (
  labels: Uint8Array,
  classCount: number,
  ratios: SplitRatios,
  seed: number,
  official?: { readonly testFrom: number }
): Uint8Array => {
  const pool = official === undefined ? labels : labels.subarray(0, official.testFrom)
  const classCounts = new Array<number>(classCount).fill(0)
  for (const c of pool) classCounts[c]++
  const poolRatios = official === undefined ? ratios : { train: 1 - ratios.val, val: ratios.val, test: 0 }
  const plan = planSplit(classCounts, poolRatios, seed)
  const rank = new Array<number>(classCount).fill(0)
  const route = new Uint8Array(labels.length).fill(2)
  for (let r = 0; r < pool.length; r++) route[r] = plan.assignment[pool[r]][rank[pool[r]]++]
  return route
}

/**
 * Marks as dropped (`droppedRoute`) every train row whose pixels exactly equal those of a val or
 * test row (compared by content hash), so no test image is also trained on. Returns how many.
 */
export const dropCrossSplitDuplicates = (route: Uint8Array, contentHashes: ReadonlyArray<string>): number => {
  const heldOut = new Set<string>()
  for (let r = 0; r < route.length; r++) if (route[r] === 1 || route[r] === 2) heldOut.add(contentHashes[r])
  let dropped = 0
  for (let r = 0; r < route.length; r++)
    if (route[r] === 0 && heldOut.has(contentHashes[r])) {
      route[r] = droppedRoute
      dropped++
    }
  return dropped
}
