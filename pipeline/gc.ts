/**
 * Garbage collection: keep the newest `keep` runs, the index entries they (and each stage's HEAD)
 * refer to, and the objects those entries hold; everything else can be removed.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { StoreError } from "./errors.ts"
import type { Store } from "./store.ts"

export interface GcPlan {
  readonly runs: ReadonlyArray<string>
  readonly indexEntries: ReadonlyArray<{ readonly stage: string; readonly fingerprint: string }>
  readonly objects: ReadonlyArray<{ readonly hash: string; readonly bytes: number }>
}

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
    const indexEntries: Array<{ stage: string; fingerprint: string }> = []
    for (const stage of yield* store.allIndexStages()) {
      const head = yield* store.readHead(stage)
      if (head) keptFingerprints.add(`${stage}\0${head.fingerprint}`)
      for (const entry of yield* store.listIndex(stage)) {
        if (keptFingerprints.has(`${stage}\0${entry.fingerprint}`)) {
          for (const out of Object.values(entry.outputs)) keptObjects.add(out.hash)
        } else indexEntries.push({ stage, fingerprint: entry.fingerprint })
      }
    }
    const objects = (yield* store.listObjects())
      .filter((hash) => !keptObjects.has(hash))
      .map((hash) => ({ hash, bytes: sizeOf(store.objectPath(hash)) }))
    return { runs: ids.slice(0, ids.length - keptIds.length), indexEntries, objects }
  })

const sizeOf = (file: string): number => {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

/** Deletes what the plan lists: index entries first, so no entry ever points at a deleted object. */
export const applyGc = (store: Store, plan: GcPlan): Effect.Effect<void, StoreError> =>
  Effect.gen(function* () {
    for (const { stage, fingerprint } of plan.indexEntries) yield* store.removeIndex(stage, fingerprint)
    for (const { hash } of plan.objects) yield* store.removeObject(hash)
    for (const id of plan.runs) yield* store.removeRun(id)
  })
