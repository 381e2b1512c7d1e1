/**
 * The shared cache in a bucket, laid out like the local store: <prefix>/objects/<sha256> and
 * <prefix>/index/<stage>/<fingerprint>.json (a signed entry). Nothing read from it is trusted:
 * entries must carry a valid signature, objects must hash to their name, else they are ignored.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { StoreError } from "../errors.ts"
import type { IndexEntry, Sha256Hex } from "../records.ts"
import { hashFile } from "../file-hash.ts"
import type { StatCache } from "../stat-cache.ts"
import type { Store } from "../store.ts"
import { openBucket, type Bucket } from "./s3-bucket.ts"
import { remoteError, type RemoteError } from "./remote-errors.ts"
import { bucketLayout, type RemoteLocation } from "./remote-location.ts"
import { signEntry, verifyEntry } from "./signed-entry.ts"

export type RemoteEntry =
  | { readonly _tag: "Found"; readonly entry: IndexEntry }
  | { readonly _tag: "Missing" }
  /** There is an entry, but its signature or content is not acceptable. */
  | { readonly _tag: "Ignored"; readonly reason: string }

export type ObjectFetch =
  | { readonly _tag: "Present" }
  | { readonly _tag: "Fetched" }
  | { readonly _tag: "Missing" }
  /** The bucket's bytes hash to something else: not committed, never used. */
  | { readonly _tag: "Altered"; readonly actual: string }

export interface RemoteCache {
  readonly url: string
  /** Reads and verifies the signed entry of a stage's fingerprint (downloads no object). */
  readonly findEntry: (stage: string, fingerprint: string) => Effect.Effect<RemoteEntry, RemoteError>
  readonly hasEntry: (stage: string, fingerprint: string) => Effect.Effect<boolean, RemoteError>
  /** Makes object `hash` present and intact in the local store, downloading and re-hashing it if needed. */
  readonly fetchObject: (store: Store, cache: StatCache, hash: Sha256Hex) => Effect.Effect<ObjectFetch, RemoteError | StoreError>
  /** Uploads the entry's output objects, then the signed entry (so a reader never finds an entry before its objects). */
  readonly publish: (store: Store, entry: IndexEntry) => Effect.Effect<void, RemoteError>
  readonly close: () => void
}

/** A RemoteCache over a bucket (openBucket by default; tests may pass their own). */
export const makeRemoteCache = (location: RemoteLocation, key: Buffer, bucket: Bucket = openBucket(location)): RemoteCache => {
  const { objectKey, entryKey } = bucketLayout(location)

  const findEntry = (stage: string, fingerprint: string) =>
    Effect.map(bucket.getText(entryKey(stage, fingerprint)), (text): RemoteEntry => {
      if (text === undefined) return { _tag: "Missing" }
      const verified = verifyEntry(text, key, stage, fingerprint)
      return verified._tag === "Valid" ? { _tag: "Found", entry: verified.entry } : { _tag: "Ignored", reason: verified.reason }
    })

  const fetchObject = (store: Store, cache: StatCache, hash: Sha256Hex) =>
    Effect.gen(function* () {
      if (yield* store.hasObject(hash)) {
        if ((yield* cache.hash(store.objectPath(hash))) === hash) return { _tag: "Present" } as ObjectFetch
        yield* store.removeObject(hash) // a corrupted local copy makes way for a verified one
      }
      return yield* Effect.acquireUseRelease(
        store.makeTempDir("remote-fetch"),
        (dir) => Effect.gen(function* () {
          const file = path.join(dir, hash)
          if (!(yield* bucket.download(objectKey(hash), file))) return { _tag: "Missing" } as ObjectFetch
          const actual = yield* Effect.tryPromise({ try: () => hashFile(file), catch: remoteError(`cannot hash the download of ${hash}`) })
          if (actual !== hash) return { _tag: "Altered", actual } as ObjectFetch
          yield* cache.remember(yield* store.commitObject(file, hash), hash)
          return { _tag: "Fetched" } as ObjectFetch
        }),
        // a download dir that cannot be removed is only warned about: the store sweeps it once this process is gone
        (dir) => Effect.try(() => fs.rmSync(dir, { recursive: true, force: true })).pipe(
          Effect.catchAll(() => Console.error(`warning: cannot remove ${dir}`))
        )
      )
    })

  const publish = (store: Store, entry: IndexEntry) =>
    Effect.gen(function* () {
      // always uploaded, never skipped when the key exists: a fresh copy replaces one altered in the bucket
      for (const out of Object.values(entry.outputs)) yield* bucket.upload(objectKey(out.hash), store.objectPath(out.hash))
      yield* bucket.putText(entryKey(entry.stage, entry.fingerprint), JSON.stringify(signEntry(entry, key)))
    })

  return {
    url: location.url,
    findEntry,
    hasEntry: (stage, fingerprint) => bucket.exists(entryKey(stage, fingerprint)),
    fetchObject,
    publish,
    close: bucket.close
  }
}
