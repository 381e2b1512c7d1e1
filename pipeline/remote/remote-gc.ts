/**
 * `gc --remote`: garbage collection of the shared cache in the bucket. An object is kept while a
 * validly signed entry refers to it; entries that no run would accept (unsigned, badly signed, not
 * JSON) go, and with them the objects only they referred to. Only keys the cache itself writes under
 * the given prefix are considered (`<prefix>/objects/<sha256>`, `<prefix>/index/<stage>/<fp>.json`):
 * anything else, in the prefix or outside it, is never touched. Which entries to keep is not this
 * command's choice: the bucket is shared by machines whose runs this one cannot see, so old entries
 * are expired by the bucket's lifecycle rules on `<prefix>/index/`, and this command then frees
 * the objects they held.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ConfigError } from "../errors.ts"
import type { RemoteError } from "./remote-errors.ts"
import { bucketLayout, parseRemoteUrl, signingKeyFromEnv, type RemoteLocation } from "./remote-location.ts"
import { openBucket, type Bucket, type ListedObject } from "./s3-bucket.ts"
import { verifyEntry } from "./signed-entry.ts"

export interface RemoteGcPlan {
  readonly url: string
  /** Entries no run would accept, with why. */
  readonly invalidEntries: ReadonlyArray<{ readonly key: string; readonly reason: string }>
  /** Objects no valid entry refers to. */
  readonly objects: ReadonlyArray<{ readonly key: string; readonly hash: string; readonly bytes: number }>
  readonly kept: {
    readonly entries: number
    readonly objects: number
    readonly bytes: number
    /** Unreferenced or invalid, but younger than the minimum age: perhaps a stage being published right now. */
    readonly recent: number
  }
}

export interface RemoteGcOptions {
  /** Younger keys are kept: a stage's objects are uploaded before its entry, which may not be there yet. */
  readonly minAgeMs: number
  /** Delete what the plan lists (otherwise only plan). */
  readonly apply: boolean
}

/** What gc would remove from the bucket under `location` (nothing is deleted here). */
export const planRemoteGc = (
  bucket: Bucket,
  location: RemoteLocation,
  key: Buffer,
  minAgeMs: number,
  now: number = Date.now()
): Effect.Effect<RemoteGcPlan, RemoteError> =>
  Effect.gen(function* () {
    const layout = bucketLayout(location)
    const listed = yield* bucket.list(layout.root)
    const recent = (o: ListedObject) => now - o.modified.getTime() < minAgeMs
    const referenced = new Set<string>()
    const invalidEntries: Array<{ key: string; reason: string }> = []
    let entries = 0, young = 0
    for (const o of listed) {
      const wanted = layout.entryOf(o.key)
      if (!wanted) continue
      const text = yield* bucket.getText(o.key)
      if (text === undefined) continue // deleted since the listing
      const verified = verifyEntry(text, key, wanted.stage, wanted.fingerprint)
      if (verified._tag === "Valid") {
        entries++
        for (const out of Object.values(verified.entry.outputs)) referenced.add(out.hash)
      } else if (recent(o)) young++
      else invalidEntries.push({ key: o.key, reason: verified.reason })
    }
    const objects: Array<{ key: string; hash: string; bytes: number }> = []
    let keptObjects = 0, keptBytes = 0
    for (const o of listed) {
      const hash = layout.objectOf(o.key)
      if (hash === undefined) continue
      if (referenced.has(hash)) {
        keptObjects++
        keptBytes += o.bytes
      } else if (recent(o)) young++
      else objects.push({ key: o.key, hash, bytes: o.bytes })
    }
    return { url: location.url, invalidEntries, objects, kept: { entries, objects: keptObjects, bytes: keptBytes, recent: young } }
  })

/** Deletes what the plan lists: entries first, so no entry is left pointing at a deleted object. */
export const applyRemoteGc = (bucket: Bucket, location: RemoteLocation, plan: RemoteGcPlan): Effect.Effect<void, RemoteError> =>
  Effect.gen(function* () {
    const layout = bucketLayout(location)
    // the plan's keys came from parsing this layout; checked again so that no other key can ever be deleted
    for (const { key } of plan.invalidEntries) if (layout.entryOf(key)) yield* bucket.remove(key)
    for (const { key } of plan.objects) if (layout.objectOf(key)) yield* bucket.remove(key)
  })

/** Plans (and with `apply`, deletes) for `--remote url`; the signing key comes from the environment, as for runs. */
export const collectRemoteGarbage = (url: string, options: RemoteGcOptions): Effect.Effect<RemoteGcPlan, ConfigError | RemoteError, Scope.Scope> =>
  Effect.gen(function* () {
    const location = yield* parseRemoteUrl(url)
    const key = yield* signingKeyFromEnv()
    const bucket = yield* Effect.acquireRelease(Effect.sync(() => openBucket(location)), (b) => Effect.sync(() => b.close()))
    const plan = yield* planRemoteGc(bucket, location, key, options.minAgeMs)
    if (options.apply) yield* applyRemoteGc(bucket, location, plan)
    return plan
  })
