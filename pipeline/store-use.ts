/**
 * Store-wide exclusion between runs and gc, as a readers-writer lock built from marker files in
 * in-use/: a run holds a shared "run" marker for its whole life, gc an exclusive "gc" marker
 * for its whole plan-and-delete phase. Each side writes its own marker first and only then looks for
 * the other's, so two that start at once always see each other (at worst both back off). Markers
 * are named after their process (machine, pid, start time): one whose owner provably died is
 * ignored and removed; one from another machine is honoured (its owner may still be running).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fsyncDir } from "./atomic-fs.ts"
import { StoreBusy, StoreError, storeError } from "./errors.ts"
import { currentOwner, ownerIsGone, ownerTag, parseOwnerTag } from "./process-identity.ts"
import { Store } from "./store.ts"

type Role = "run" | "gc"

const POLL_MS = 200

const markersDir = (store: Store) => path.join(store.root, "in-use")

/** Creates this process's marker for `role` (durably, before anyone may rely on it). */
const createMarker = (store: Store, role: Role): string => {
  const dir = markersDir(store)
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${role}.${ownerTag(currentOwner())}-${randomBytes(4).toString("hex")}`)
  fs.closeSync(fs.openSync(file, "wx"))
  fsyncDir(dir)
  return file
}

/** A marker that cannot be removed is only warned about: once its process has ended, the next run or gc removes it. */
const removeMarker = (file: string) =>
  Effect.try({ try: () => fs.rmSync(file, { force: true }), catch: storeError(`cannot remove ${file}`) }).pipe(
    Effect.catchAll((e) => Console.error(`warning: ${e.message}`))
  )

/** Markers of `role` other than `own` whose owners may still run; a dead owner's marker is removed. */
const liveMarkers = (store: Store, role: Role, own: string): Array<string> => {
  const dir = markersDir(store)
  const live: Array<string> = []
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(`${role}.`) || path.join(dir, name) === own) continue
    const owner = parseOwnerTag(name.slice(role.length + 1))
    if (owner && ownerIsGone(owner)) fs.rmSync(path.join(dir, name), { force: true })
    else live.push(path.join(dir, name))
  }
  return live
}

/** One attempt to enter as a run: the marker when no live gc holds the store, else undefined (and no marker left). */
const tryEnterAsRun = (store: Store) =>
  Effect.try({
    try: () => {
      const own = createMarker(store, "run")
      if (liveMarkers(store, "gc", own).length === 0) return own
      fs.rmSync(own, { force: true })
      return undefined
    },
    catch: storeError(`cannot register this run in ${markersDir(store)}`)
  })

/**
 * Holds the store for a run until the scope closes: waits (interruptibly) while a gc is deleting,
 * so nothing this run looks up or reuses can disappear under it.
 */
export const useStoreForRun: Effect.Effect<void, StoreError, Scope.Scope | Store> =
  Effect.gen(function* () {
    const store = yield* Store
    let told = false
    for (;;) {
      const marker = yield* Effect.acquireRelease(tryEnterAsRun(store), (m) => (m ? removeMarker(m) : Effect.void))
      if (marker) return
      if (!told) yield* Console.error(`waiting: gc is removing artifacts from ${store.root}; this run starts when it is done`)
      told = true
      yield* Effect.sleep(POLL_MS)
    }
  })

/**
 * Holds the store exclusively for gc until the scope closes; fails with StoreBusy (naming the
 * markers) while a run or another gc may be using it.
 */
export const useStoreExclusively: Effect.Effect<void, StoreError | StoreBusy, Scope.Scope | Store> =
  Effect.gen(function* () {
    const store = yield* Store
    const own = yield* Effect.acquireRelease(
      Effect.try({ try: () => createMarker(store, "gc"), catch: storeError(`cannot register gc in ${markersDir(store)}`) }),
      removeMarker
    )
    const others = yield* Effect.try({
      try: () => [...liveMarkers(store, "run", own), ...liveMarkers(store, "gc", own)],
      catch: storeError(`cannot read ${markersDir(store)}`)
    })
    if (others.length > 0) {
      return yield* new StoreBusy({
        message: `the store ${store.root} is in use (${others.length} run or gc marker(s), e.g. ${others[0]})`,
        hint: "let that run finish (or stop it), then run gc again; a marker from another machine stays until its run ends there (or you delete it)"
      })
    }
  })
