/**
 * Files a stage reads from outside the store (a dataset), as a fingerprint component: label ->
 * sha256 of the file, or of a group's (base name, sha256) list. Hashed through the stat cache, so
 * an unchanged file costs one stat, and other bytes at the same path change the stage's key.
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as path from "node:path"
import type { StageDefinition } from "./stage.ts"
import type { StatCache } from "./stat-cache.ts"

/** The label recorded when the stage cannot list its files: the stage reruns and reports the problem itself. */
export const UNLISTED = "(unlisted)"

const hashOrMissing = (cache: StatCache, file: string): Effect.Effect<string> =>
  cache.hash(path.resolve(file)).pipe(Effect.orElseSucceed(() => "missing"))

const groupHash = (cache: StatCache, files: ReadonlyArray<string>): Effect.Effect<string> =>
  Effect.map(Effect.forEach(files, (file) => hashOrMissing(cache, file)), (hashes) =>
    files.length === 1
      ? hashes[0]
      : createHash("sha256").update(files.map((f, i) => `${path.basename(f)}\0${hashes[i]}\n`).join("")).digest("hex"))

/** The stage's external files hashed, or undefined when it declares none. */
export const externalHashes = (
  stage: StageDefinition<any>,
  params: unknown,
  cache: StatCache
): Effect.Effect<Readonly<Record<string, string>> | undefined> =>
  Effect.gen(function* () {
    if (stage.externalFiles === undefined) return undefined
    const listed = yield* Effect.try(() => stage.externalFiles!(params)).pipe(Effect.either)
    if (listed._tag === "Left") {
      const cause = listed.left.error
      return { [UNLISTED]: cause instanceof Error || (typeof cause === "object" && cause !== null && "message" in cause) ? String((cause as { message: unknown }).message) : String(cause) }
    }
    const hashes: Record<string, string> = {}
    for (const label of Object.keys(listed.right).sort()) hashes[label] = yield* groupHash(cache, listed.right[label])
    return hashes
  })
