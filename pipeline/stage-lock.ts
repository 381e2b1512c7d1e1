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

/** Takes the lock for `target` for the enclosing scope if it is free now; false if another process holds it. */
export const tryStageLock = (target: string): Effect.Effect<boolean, StoreError, Scope.Scope> =>
  Effect.map(holdInScope(lockOnce(target)), (release) => release !== undefined)

/** Holds the lock for `target` for the enclosing scope, waiting for it as long as another process holds it. */
export const waitForStageLock = (target: string): Effect.Effect<void, StoreError, Scope.Scope> =>
  Effect.asVoid(holdInScope(lockOnce(target).pipe(
    Effect.tap((release) => (release === undefined ? Effect.sleep(POLL_MS) : Effect.void)),
    Effect.repeat({ until: (release) => release !== undefined })
  )))

type Release = () => Promise<void>

const holdInScope = <E>(acquire: Effect.Effect<Release | undefined, E>) =>
  Effect.acquireRelease(acquire, (release) => Effect.promise(() => release?.().catch(() => undefined) ?? Promise.resolve()))

/** The lock targets in `dir` that a live process holds now (a dead holder's lock goes stale). */
export const heldLocks = (dir: string): Effect.Effect<ReadonlyArray<string>, StoreError> =>
  Effect.try({
    try: () =>
      fs.readdirSync(dir)
        .filter((name) => !name.endsWith(".lock"))
        .filter((name) => lockfile.checkSync(path.join(dir, name), { realpath: false, stale: STALE_MS })),
    catch: storeError(`cannot read the locks in ${dir}`)
  })

/** One attempt at the lock: its release function, or undefined when a live process holds it. */
const lockOnce = (target: string): Effect.Effect<Release | undefined, StoreError> =>
  Effect.gen(function* () {
    yield* Effect.try({ try: () => fs.closeSync(fs.openSync(target, "a")), catch: storeError(`cannot create the lock target ${target}`) })
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
    if (result.left.code === "ELOCKED") return undefined
    return yield* new StoreError({ message: `cannot lock ${target}: ${result.left.message}`, hint: "check the store directory is writable" })
  })
