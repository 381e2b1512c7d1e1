/** Resolves run references given on the command line: a run id (or unique prefix), "latest" or "previous". */
import * as Effect from "effect/Effect"
import { UsageError, type StoreError } from "./errors.ts"
import type { RunRecord } from "./records.ts"
import type { Store } from "./store.ts"

/** Loads the run a reference names; dry runs are never recorded, so every record is a real run. */
export const resolveRun = (store: Store, ref: string): Effect.Effect<RunRecord, UsageError | StoreError> =>
  Effect.gen(function* () {
    const ids = yield* store.listRunIds()
    let id: string | undefined
    if (ref === "latest") id = ids[ids.length - 1]
    else if (ref === "previous") id = ids[ids.length - 2]
    else {
      const matches = ids.filter((i) => i.startsWith(ref))
      if (matches.length > 1) {
        return yield* new UsageError({ message: `run reference "${ref}" is ambiguous (${matches.length} runs match)`, hint: "give more characters of the run id" })
      }
      id = matches[0]
    }
    const record = id ? yield* store.readRun(id) : undefined
    if (!record) {
      return yield* new UsageError({
        message: `no run "${ref}" in store ${store.root}${ids.length === 0 ? " (the store has no runs yet)" : ""}`,
        hint: ids.length ? `known runs: ${ids.slice(-5).join(", ")} (or "latest", "previous")` : "run `pipeline run` first, or pass --store"
      })
    }
    return record
  })
