/**
 * The remote cache as seen by a local run (executor and status): failures of the bucket never fail
 * a stage here, they become one-line warnings and the stage is computed (or kept) locally.
 */
import * as Effect from "effect/Effect"
import type { StoreError } from "../errors.ts"
import type { IndexEntry } from "../records.ts"
import { Session } from "../session.ts"
import { StatCache } from "../stat-cache.ts"
import { Store } from "../store.ts"
import { ensurePublished, pullStage } from "./remote-sync.ts"

type Warn = (line: string) => void

/** On a local miss: the stage's entry and outputs from the remote cache, or undefined (with a warning when one was rejected). */
export const pullFromRemote = (
  stage: string,
  fingerprint: string,
  warn: Warn
): Effect.Effect<IndexEntry | undefined, StoreError, Session | Store | StatCache> => Effect.gen(function* () {
  const { remote } = yield* Session
  if (!remote) return undefined
  return yield* pullStage(remote, yield* Store, yield* StatCache, stage, fingerprint).pipe(
    Effect.map((pull) => {
      if (pull._tag === "Pulled") return pull.entry
      if (pull._tag === "Rejected") warn(`warning: ${pull.reason}; computing it here`)
      return undefined
    }),
    Effect.catchTag("RemoteError", (e) => Effect.sync((): IndexEntry | undefined => {
      warn(`warning: remote cache unavailable (${e.message}); computing it here`)
      return undefined
    }))
  )
})

/** After a stage committed (always: replaces an altered copy) or was reused locally (only when the remote lacks it). */
export const publishToRemote = (
  entry: IndexEntry,
  when: "always" | "if-missing",
  warn: Warn
): Effect.Effect<void, never, Session | Store> => Effect.gen(function* () {
  const { remote } = yield* Session
  if (!remote) return
  const store = yield* Store
  const publish = when === "always" ? remote.publish(store, entry) : ensurePublished(remote, store, entry)
  yield* publish.pipe(
    Effect.asVoid,
    Effect.catchTag("RemoteError", (e) => Effect.sync(() => warn(`warning: not published to the remote cache: ${e.message}`)))
  )
})

export type RemoteStatus = { readonly _tag: "Remote"; readonly entry: IndexEntry } | { readonly _tag: "NotRemote"; readonly note?: string }

/** For `status`: is the fingerprint in the remote cache (validly signed)? Downloads no object. */
export const remoteStatus = (stage: string, fingerprint: string): Effect.Effect<RemoteStatus, never, Session> => Effect.gen(function* () {
  const { remote } = yield* Session
  if (!remote) return { _tag: "NotRemote" } as RemoteStatus
  return yield* remote.findEntry(stage, fingerprint).pipe(
    Effect.map((found): RemoteStatus =>
      found._tag === "Found" ? { _tag: "Remote", entry: found.entry }
      : found._tag === "Ignored" ? { _tag: "NotRemote", note: `remote entry ignored: ${found.reason}` }
      : { _tag: "NotRemote" }),
    Effect.catchTag("RemoteError", (e) => Effect.succeed({ _tag: "NotRemote", note: `remote cache unavailable: ${e.message}` } as RemoteStatus))
  )
})
