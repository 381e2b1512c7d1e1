/**
 * What a run or a worker does with the remote cache: pull a stage (verified entry, then every output
 * object re-hashed) into the local store, and make sure a local entry is published.
 */
import * as Effect from "effect/Effect"
import type { StoreError } from "../errors.ts"
import type { IndexEntry, Sha256Hex } from "../records.ts"
import type { StatCache } from "../stat-cache.ts"
import type { Store } from "../store.ts"
import type { RemoteCache } from "./remote-cache.ts"
import type { RemoteError } from "./remote-errors.ts"
import { shortHash } from "../format.ts"

export type Pull =
  | { readonly _tag: "Pulled"; readonly entry: IndexEntry }
  | { readonly _tag: "Missing" }
  /** Found but not usable (bad signature, altered or missing object): the stage must be recomputed. */
  | { readonly _tag: "Rejected"; readonly reason: string }

/** Brings a stage's entry and outputs from the remote cache into the store, or says why not. */
export const pullStage = (
  remote: RemoteCache,
  store: Store,
  cache: StatCache,
  stage: string,
  fingerprint: string
): Effect.Effect<Pull, RemoteError | StoreError> =>
  Effect.gen(function* () {
    const found = yield* remote.findEntry(stage, fingerprint)
    if (found._tag === "Missing") return found
    if (found._tag === "Ignored") return { _tag: "Rejected", reason: `remote entry ignored: ${found.reason}` } as const
    const problem = yield* pullObjects(remote, store, cache, Object.entries(found.entry.outputs).map(([name, out]) => [`output ${name}`, out.hash]))
    if (problem) return { _tag: "Rejected", reason: problem } as const
    yield* store.writeIndex(found.entry)
    return { _tag: "Pulled", entry: found.entry } as const
  })

/** Fetches each (label, hash); the first problem as a sentence, or undefined when all are present and intact. */
export const pullObjects = (
  remote: RemoteCache,
  store: Store,
  cache: StatCache,
  wanted: ReadonlyArray<readonly [string, Sha256Hex]>
): Effect.Effect<string | undefined, RemoteError | StoreError> =>
  Effect.gen(function* () {
    for (const [label, hash] of wanted) {
      const fetched = yield* remote.fetchObject(store, cache, hash)
      if (fetched._tag === "Missing") return `${label}: object ${shortHash(hash)} is missing from the remote cache`
      if (fetched._tag === "Altered") {
        return `${label}: remote object ${shortHash(hash)} was rejected, its bytes hash to ${shortHash(fetched.actual)}`
      }
    }
    return undefined
  })

/** Publishes a locally valid entry unless the remote holds a validly signed one (an unsigned or forged one is replaced). */
export const ensurePublished = (remote: RemoteCache, store: Store, entry: IndexEntry): Effect.Effect<boolean, RemoteError> =>
  Effect.flatMap(remote.findEntry(entry.stage, entry.fingerprint), (found) =>
    found._tag === "Found" ? Effect.succeed(false) : Effect.as(remote.publish(store, entry), true))
