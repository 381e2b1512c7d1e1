/**
 * Garbage collection: keep the newest `keep` runs, the index entries they (and each stage's HEAD)
 * refer to, and the objects those entries hold; everything else can be removed. Checkpoints of
 * unfinished stages are kept while they are the one a rerun would most likely resume: the newest of
 * their stage, written after the stage last succeeded. gc refuses to touch a store that a run is using,
 * and holds the store exclusively from its plan to its last delete (store-use.ts), so no run can start
 * in between and reuse what it deletes.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { StoreBusy, storeError, type StoreError } from "./errors.ts"
import { heldLocks } from "./stage-lock.ts"
import type { Sha256Hex } from "./records.ts"
import { Store, type CheckpointEntry } from "./store.ts"
import { useStoreExclusively } from "./store-use.ts"

export interface GcPlan {
  readonly runs: ReadonlyArray<string>
  readonly indexEntries: ReadonlyArray<{ readonly stage: string; readonly fingerprint: Sha256Hex }>
  readonly objects: ReadonlyArray<{ readonly hash: Sha256Hex; readonly bytes: number }>
  readonly checkpoints: ReadonlyArray<CheckpointEntry & { readonly reason: string }>
}

/** Fails while any stage lock is held: a running stage's new objects and checkpoint are not in any record yet. */
export const ensureStoreIdle = (store: Store): Effect.Effect<void, StoreError | StoreBusy> =>
  Effect.gen(function* () {
    const held = yield* heldLocks(store.locksDir)
    if (held.length > 0) {
      return yield* new StoreBusy({
        message: `a run is using the store ${store.root} (${held.length} stage lock(s) held, e.g. ${decodeURIComponent(held[0])})`,
        hint: "let that run finish (or stop it), then run gc again"
      })
    }
  })

/** Checkpoints a rerun would not resume: an older one of the same stage, or one the stage has since succeeded past. */
const supersededCheckpoints = (store: Store) =>
  Effect.gen(function* () {
    const all = yield* store.listCheckpoints()
    const superseded: Array<CheckpointEntry & { reason: string }> = []
    for (const stage of new Set(all.map((c) => c.stage))) {
      const [newest, ...older] = all.filter((c) => c.stage === stage).sort((a, b) => b.modifiedMs - a.modifiedMs)
      for (const c of older) superseded.push({ ...c, reason: "a newer checkpoint of the stage exists" })
      const head = yield* store.readHead(stage)
      const succeededAt = head ? Date.parse(head.timings.finishedAt) : Number.NEGATIVE_INFINITY
      if (succeededAt > newest.modifiedMs) superseded.push({ ...newest, reason: "the stage succeeded since with another fingerprint" })
    }
    return superseded
  })

/** What gc would remove (nothing is deleted here). */
export const planGc = (store: Store, keep: number): Effect.Effect<GcPlan, StoreError> =>
  Effect.gen(function* () {
    const ids = yield* store.listRunIds()
    const keptIds = ids.slice(Math.max(0, ids.length - keep))
    const keptFingerprints = new Set<string>()
    const keptObjects = new Set<string>()
    for (const id of keptIds) {
      const run = yield* store.readRun(id)
      for (const [stage, rec] of Object.entries(run?.stages ?? {})) {
        if (rec.fingerprint) keptFingerprints.add(`${stage}\0${rec.fingerprint}`)
        for (const out of Object.values(rec.outputs ?? {})) keptObjects.add(out.hash)
      }
    }
    const indexEntries: Array<{ stage: string; fingerprint: Sha256Hex }> = []
    for (const stage of yield* store.allIndexStages()) {
      const head = yield* store.readHead(stage)
      if (head) keptFingerprints.add(`${stage}\0${head.fingerprint}`)
      for (const entry of yield* store.listIndex(stage)) {
        if (keptFingerprints.has(`${stage}\0${entry.fingerprint}`)) {
          for (const out of Object.values(entry.outputs)) keptObjects.add(out.hash)
        } else indexEntries.push({ stage, fingerprint: entry.fingerprint })
      }
    }
    const objects = yield* Effect.forEach((yield* store.listObjects()).filter((hash) => !keptObjects.has(hash)), (hash) =>
      Effect.map(sizeOf(store.objectPath(hash)), (bytes) => ({ hash, bytes })))
    const checkpoints = yield* supersededCheckpoints(store)
    return { runs: ids.slice(0, ids.length - keptIds.length), indexEntries, objects, checkpoints }
  })

/** 0 for an object gone since it was listed (nothing left to remove); other failures are the store's. */
const sizeOf = (file: string): Effect.Effect<number, StoreError> =>
  Effect.try({
    try: () => {
      try {
        return fs.statSync(file).size
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0
        throw e
      }
    },
    catch: storeError(`cannot stat ${file}`)
  })

/** Deletes what the plan lists: index entries first, so no entry ever points at a deleted object. */
export const applyGc = (store: Store, plan: GcPlan): Effect.Effect<void, StoreError> =>
  Effect.gen(function* () {
    for (const { stage, fingerprint } of plan.indexEntries) yield* store.removeIndex(stage, fingerprint)
    for (const { hash } of plan.objects) yield* store.removeObject(hash)
    for (const id of plan.runs) yield* store.removeRun(id)
    for (const c of plan.checkpoints) yield* store.removeCheckpoint(c.stage, c.fingerprint)
  })

export interface GcOptions {
  readonly keep: number
  /** Delete what the plan lists (otherwise only plan). */
  readonly apply: boolean
  /** Runs between the plan and the deletes, with the store still held (tests pause here). */
  readonly beforeDelete?: Effect.Effect<void>
}

/** Plans (and with `apply`, deletes) while holding the store exclusively; fails with StoreBusy while it is in use. */
export const collectGarbage = (options: GcOptions): Effect.Effect<GcPlan, StoreError | StoreBusy, Store> =>
  Effect.scoped(Effect.gen(function* () {
    const store = yield* Store
    yield* useStoreExclusively
    yield* ensureStoreIdle(store)
    const plan = yield* planGc(store, options.keep)
    if (options.apply) {
      if (options.beforeDelete) yield* options.beforeDelete
      yield* applyGc(store, plan)
    }
    return plan
  }))
