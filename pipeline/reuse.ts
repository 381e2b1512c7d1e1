/**
 * Deciding whether a stage's cached entry can be reused: the index entry for its fingerprint must
 * exist and every output object must be present and hash to its recorded value (stat-cached).
 * Also explains, field by field, why a stage is stale versus its last successful run.
 */
import * as Effect from "effect/Effect"
import type { StoreError } from "./errors.ts"
import { explainChange, type FingerprintComponents } from "./fingerprint.ts"
import { mebibytes } from "./format.ts"
import type { IndexEntry, Sha256Hex } from "./records.ts"
import { StatCache } from "./stat-cache.ts"
import { Store } from "./store.ts"

/** Problems with the objects of an entry (missing, or bytes that no longer match their hash). */
export const verifyEntryObjects = (
  entry: IndexEntry
): Effect.Effect<{ problems: Array<string>; corrupted: Array<Sha256Hex> }, StoreError, Store | StatCache> =>
  Effect.gen(function* () {
    const store = yield* Store
    const cache = yield* StatCache
    const problems: Array<string> = []
    const corrupted: Array<Sha256Hex> = []
    for (const [name, out] of Object.entries(entry.outputs)) {
      const file = store.objectPath(out.hash)
      if (!(yield* store.hasObject(out.hash))) {
        problems.push(`output ${name}: object ${out.hash.slice(0, 12)} is missing`)
        continue
      }
      const actual = yield* cache.hash(file)
      if (actual !== out.hash) {
        problems.push(`output ${name}: object ${out.hash.slice(0, 12)} is corrupted (its bytes hash to ${actual.slice(0, 12)})`)
        corrupted.push(out.hash)
      }
    }
    return { problems, corrupted }
  })

export type Lookup =
  | { readonly _tag: "Reusable"; readonly entry: IndexEntry }
  | {
    readonly _tag: "Stale"
    readonly reasons: ReadonlyArray<string>
    /** Hashes of objects whose bytes no longer match: they must be deleted before a rerun recommits them. */
    readonly corrupted: ReadonlyArray<Sha256Hex>
  }

/** Looks up a fingerprint; reports why it is stale when it cannot be reused. */
export const lookupStage = (
  stage: string,
  fingerprint: Sha256Hex,
  components: FingerprintComponents
): Effect.Effect<Lookup, StoreError, Store | StatCache> =>
  Effect.gen(function* () {
    const store = yield* Store
    const entry = yield* store.readIndex(stage, fingerprint)
    if (entry) {
      const { problems, corrupted } = yield* verifyEntryObjects(entry)
      if (problems.length === 0) return { _tag: "Reusable", entry } as const
      return { _tag: "Stale", reasons: problems, corrupted } as const
    }
    const reasons = yield* whyStale(stage, components)
    const checkpoint = yield* store.findCheckpoint(stage, fingerprint)
    if (checkpoint) reasons.push(`resumable: checkpoint saved ${utcMinute(checkpoint.modifiedMs)} (${mebibytes(checkpoint.bytes)})`)
    return { _tag: "Stale", reasons, corrupted: [] } as const
  })

const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`

/** Compares with the stage's last successful run (HEAD) field by field. */
export const whyStale = (stage: string, components: FingerprintComponents): Effect.Effect<Array<string>, StoreError, Store> =>
  Effect.flatMap(Store, (store) => store.readHead(stage)).pipe(
    Effect.map((head) => {
      if (!head) return ["never ran"]
      const changes = explainChange(head.components, components)
      return changes.length > 0 ? changes : ["no entry for this fingerprint (it was collected or never completed)"]
    })
  )
