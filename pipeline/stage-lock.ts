/**
 * Per-stage, cross-process locks (proper-lockfile, with stale detection): where two runs need the
 * same stage fingerprint, one computes and the other waits, then reuses the index entry.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as path from "node:path"
import lockfile from "proper-lockfile"
import { StoreError, storeError } from "./errors.ts"

const STALE_MS = 10_000
const POLL_MS = 150

/** Holds the lock for `target` for the enclosing scope; `onWait` is called once if someone else holds it. */
export const withStageLock = (
  target: string,
  onWait: Effect.Effect<void>
): Effect.Effect<void, StoreError, Scope.Scope> =>
  Effect.acquireRelease(acquire(target, onWait), (release) => Effect.promise(() => release().catch(() => undefined)))

/** The lock targets in `dir` that a live process holds now (a dead holder's lock goes stale). */
export const heldLocks = (dir: string): Effect.Effect<ReadonlyArray<string>, StoreError> =>
  Effect.try({
    try: () =>
      fs.readdirSync(dir)
        .filter((name) => !name.endsWith(".lock"))
        .filter((name) => lockfile.checkSync(path.join(dir, name), { realpath: false, stale: STALE_MS })),
    catch: storeError(`cannot read the locks in ${dir}`)
  })

const acquire = (target: string, onWait: Effect.Effect<void>) =>
  Effect.gen(function* () {
    yield* Effect.sync(() => fs.closeSync(fs.openSync(target, "a")))
    let waited = false
    for (;;) {
      const result = yield* Effect.tryPromise({
        try: () =>
          lockfile.lock(target, {
            realpath: false,
            stale: STALE_MS,
            update: STALE_MS / 2,
            retries: 0,
            // losing the lock (e.g. a long event-loop stall) must not crash the process; the index write is atomic anyway
            onCompromised: () => undefined
          }),
        catch: (e) => e as NodeJS.ErrnoException
      }).pipe(Effect.either)
      if (result._tag === "Right") return result.right
      if (result.left.code !== "ELOCKED") {
        return yield* new StoreError({ message: `cannot lock ${target}: ${result.left.message}`, hint: "check the store directory is writable" })
      }
      if (!waited) {
        waited = true
        yield* onWait
      }
      yield* Effect.sleep(POLL_MS)
    }
  })
