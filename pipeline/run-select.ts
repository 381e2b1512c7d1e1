/** Resolves run references given on the command line: a run id (or unique prefix), "latest" or "previous". */
import * as Effect from "effect/Effect"
import { UsageError, type StoreError } from "./errors.ts"
import type { RunRecord } from "./records.ts"
import { Store } from "./store.ts"

/** The newest `count` readable runs, newest first; unreadable records are skipped (the store warns once each). */
const newestReadable = (store: Store, ids: ReadonlyArray<string>, count: number) =>
  Effect.gen(function* () {
    const found: Array<RunRecord> = []
    for (let i = ids.length - 1; i >= 0 && found.length < count; i--) {
      const record = yield* store.readRun(ids[i])
      if (record) found.push(record)
    }
    return found
  })

/** Loads the run a reference names; dry runs are never recorded, so every record is a real run. */
export const resolveRun = (ref: string): Effect.Effect<RunRecord, UsageError | StoreError, Store> =>
  Effect.gen(function* () {
    const store = yield* Store
    const ids = yield* store.listRunIds()
    let record: RunRecord | undefined
    if (ref === "latest" || ref === "previous") {
      record = (yield* newestReadable(store, ids, ref === "latest" ? 1 : 2))[ref === "latest" ? 0 : 1]
    } else {
      const matches = ids.filter((i) => i.startsWith(ref))
      if (matches.length > 1) {
        return yield* new UsageError({ message: `run reference "${ref}" is ambiguous (${matches.length} runs match)`, hint: "give more characters of the run id" })
      }
      record = matches[0] ? yield* store.readRun(matches[0]) : undefined
    }
    if (!record) {
      return yield* new UsageError({
        message: `no readable run "${ref}" in store ${store.root}${ids.length === 0 ? " (the store has no runs yet)" : ""}`,
        hint: ids.length ? `known runs: ${ids.slice(-5).join(", ")} (or "latest", "previous")` : "run `pipeline run` first, or pass --store"
      })
    }
    return record
  })
