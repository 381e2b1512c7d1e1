/**
 * Per-stage, cross-process locks: where two runs need the same stage fingerprint, one computes and
 * the other waits, then reuses the index entry.
 *
 * A lock is a file naming its holder (lock-owner.ts), made by hard-linking a fully written temp file
 * to the lock path: the link fails if the path exists, so exactly one process creates it and nobody
 * ever reads a half-written owner. A lock whose holder is gone is taken over by one waiter at a
 * time (see takeOver), which checks the file is still the very one it judged stale (same inode and
 * bytes) before replacing it. Written by hand because proper-lockfile's takeover is two steps (two
 * waiters could both take a stale lock) and it knows no owner pid.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { StoreError, storeError } from "./errors.ts"
import { currentOwner, LockOwner, ownerIsGone } from "./lock-owner.ts"

/** How often a holder proves it is alive (mtime) and checks the lock is still its own. */
const HEARTBEAT_MS = 2_000
const POLL_MS = 100

/** A lock this process holds; `lost` fails if the lock file stops being ours (removed or replaced). */
export interface StageLock {
  readonly file: string
  readonly lost: Effect.Effect<never, StoreError>
}

interface SeenLock {
  readonly owner: LockOwner | undefined
  readonly bytes: string
  readonly ino: number
  readonly mtimeMs: number
}

const decodeOwner = Schema.decodeUnknownOption(Schema.parseJson(LockOwner))

/** The lock file at `file` as it is now; undefined when there is none. */
const readLock = (file: string): SeenLock | undefined => {
  let fd: number
  try {
    fd = fs.openSync(file, "r")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
  try {
    const bytes = fs.readFileSync(fd, "utf8")
    const { ino, mtimeMs } = fs.fstatSync(fd)
    const owner = decodeOwner(bytes)
    return { owner: owner._tag === "Some" ? owner.value : undefined, bytes, ino, mtimeMs }
  } finally {
    fs.closeSync(fd)
  }
}

/** A lock nobody holds: its holder is gone, or it was not written by this scheme (e.g. an old proper-lockfile target). */
const isStale = (seen: SeenLock): boolean => seen.owner === undefined || ownerIsGone(seen.owner, seen.mtimeMs)

const isErrno = (e: unknown, code: string) => (e as NodeJS.ErrnoException).code === code

/** Creates the lock file holding `owner`, atomically and whole; false if it exists. */
const createLock = (file: string, owner: LockOwner): boolean => {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${owner.token}.tmp`)
  fs.writeFileSync(temp, JSON.stringify(owner))
  try {
    fs.linkSync(temp, file)
    return true
  } catch (e) {
    if (isErrno(e, "EEXIST")) return false
    throw e
  } finally {
    fs.rmSync(temp, { force: true })
  }
}

/** Removes the stale lock `seen` at `file` by moving it aside, unless another process moved it first. */
const removeStale = (file: string, seen: SeenLock, token: string): void => {
  const aside = path.join(path.dirname(file), `.${path.basename(file)}.stale-${token}`)
  try {
    fs.renameSync(file, aside)
  } catch (e) {
    if (isErrno(e, "ENOENT")) return
    throw e
  }
  const moved = readLock(aside)
  if (moved && (moved.ino !== seen.ino || moved.bytes !== seen.bytes)) {
    // a live file replaced the stale one between our read and our rename: put it back
    try {
      fs.linkSync(aside, file)
    } catch (e) {
      if (!isErrno(e, "EEXIST")) throw e
    }
  }
  fs.rmSync(aside, { force: true })
}

/**
 * Replaces the stale lock `seen` with ours; false if another process is taking it over or got it.
 * Takeovers of one lock take turns through a second lock next to it (held for microseconds), so
 * the stale file is never moved while another waiter may already have replaced it.
 */
const takeOver = (file: string, seen: SeenLock, owner: LockOwner): boolean => {
  const turn = path.join(path.dirname(file), `.${path.basename(file)}.takeover`)
  if (!createLock(turn, owner)) {
    // a waiter killed inside its (microsecond) turn leaves the turn file behind: clear it for the next round
    const other = readLock(turn)
    if (other !== undefined && isStale(other)) removeStale(turn, other, owner.token)
    return false
  }
  try {
    const now = readLock(file)
    // with the turn held, only the lock's dead holder could change the file: `seen` is still there or gone
    if (now !== undefined && (now.ino !== seen.ino || now.bytes !== seen.bytes)) return false
    fs.rmSync(file, { force: true })
    return createLock(file, owner)
  } finally {
    fs.rmSync(turn, { force: true })
  }
}

/** One attempt at the lock: the owner written, or undefined while a live process holds it. */
const takeOnce = (file: string): LockOwner | undefined => {
  const owner = currentOwner(randomBytes(12).toString("hex"))
  // two rounds: a lock released between our create and our read just means trying again
  for (let round = 0; round < 2; round++) {
    if (createLock(file, owner)) return owner
    const seen = readLock(file)
    if (seen === undefined) continue
    if (!isStale(seen)) return undefined
    return takeOver(file, seen, owner) ? owner : undefined
  }
  return undefined
}

const ownsLock = (file: string, token: string): boolean => readLock(file)?.owner?.token === token

const release = (file: string, token: string) =>
  Effect.sync(() => {
    try {
      if (ownsLock(file, token)) fs.rmSync(file, { force: true })
    } catch {
      // the lock is only advisory once we are done: a leftover file goes stale with this process
    }
  })

/** Touches the lock every HEARTBEAT_MS while it is ours; fails `lost` (and stops) the moment it is not. */
const heartbeat = (file: string, token: string, lost: Deferred.Deferred<never, StoreError>) =>
  Effect.sync(() => {
    if (!ownsLock(file, token)) return false
    const now = new Date()
    fs.utimesSync(file, now, now)
    return true
  }).pipe(
    Effect.catchAllDefect(() => Effect.succeed(false)),
    Effect.repeat({ schedule: Schedule.spaced(HEARTBEAT_MS), while: (ours) => ours }),
    Effect.flatMap(() =>
      Deferred.fail(lost, new StoreError({
        message: `the lock ${file} was removed or taken by another process while this run held it; nothing was recorded for its stage`,
        hint: "another run (or a person) deleted the store's locks/ entry; rerun the pipeline"
      }))
    )
  )

/** Takes the lock for the enclosing scope if it is free now (or stale): uninterruptible, and short. */
const takeInScope = (target: string): Effect.Effect<StageLock | undefined, StoreError, Scope.Scope> =>
  Effect.uninterruptible(Effect.gen(function* () {
    const owner = yield* Effect.try({ try: () => takeOnce(target), catch: storeError(`cannot take the lock ${target}`) })
    if (owner === undefined) return undefined
    yield* Effect.addFinalizer(() => release(target, owner.token))
    const lost = yield* Deferred.make<never, StoreError>()
    yield* Effect.forkScoped(Effect.interruptible(heartbeat(target, owner.token, lost)))
    return { file: target, lost: Deferred.await(lost) }
  }))

/** Takes the lock for `target` for the enclosing scope if it is free now; undefined if a live process holds it. */
export const tryStageLock = (target: string): Effect.Effect<StageLock | undefined, StoreError, Scope.Scope> =>
  takeInScope(target)

/**
 * Holds the lock for `target` for the enclosing scope, waiting as long as another process holds it.
 * Only each attempt is uninterruptible; the wait between attempts is not, so Ctrl-C ends it at once.
 */
export const waitForStageLock = (target: string): Effect.Effect<StageLock, StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    for (;;) {
      const lock = yield* takeInScope(target)
      if (lock !== undefined) return lock
      yield* Effect.sleep(POLL_MS)
    }
  })

/** Runs `effect` while `lock` is held; fails (interrupting it) if the lock is lost meanwhile. */
export const guardedBy = <A, E, R>(lock: StageLock, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreError, R> =>
  Effect.raceFirst(effect, lock.lost)

/** Whether a name in the locks dir is a lock (not a temp file or an old proper-lockfile directory). */
const isLockName = (name: string) => !name.startsWith(".") && !name.endsWith(".lock")

/** The lock targets in `dir` that a live process holds now. */
export const heldLocks = (dir: string): Effect.Effect<ReadonlyArray<string>, StoreError> =>
  Effect.try({
    try: () =>
      fs.readdirSync(dir).filter(isLockName).filter((name) => {
        try {
          const seen = readLock(path.join(dir, name))
          return seen !== undefined && !isStale(seen)
        } catch {
          return false // not a file this scheme wrote (a directory, say): no lock
        }
      }),
    catch: storeError(`cannot read the locks in ${dir}`)
  })
