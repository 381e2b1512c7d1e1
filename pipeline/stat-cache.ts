/**
 * File hashing behind a stat cache: (path, size, mtimeMs, ino) -> sha256 (and, for code files, facts
 * derived from the source such as its compiled hash and imports), persisted in the store, so an
 * unchanged file is neither re-read nor re-compiled. An entry is only recorded for bytes actually
 * hashed, under a stat taken before and unchanged after the read.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { writeFileAtomic } from "./atomic-fs.ts"
import { sha256 } from "./canonical-json.ts"
import { hashFile } from "./file-hash.ts"
import { StoreError, storeError } from "./errors.ts"
import { readRecordSync } from "./record-file.ts"
import { Sha256Hex } from "./records.ts"

const Entry = Schema.mutable(Schema.Struct({
  size: Schema.Number,
  mtimeMs: Schema.Number,
  ino: Schema.Number,
  hash: Sha256Hex,
  /** What `derive` computed from the file's bytes, under the deriver's version tag (code files only). */
  derived: Schema.optional(Schema.Struct({ tag: Schema.String, value: Schema.Unknown }))
}))
type Entry = typeof Entry.Type

/** cache/stat.json: absolute path -> entry. */
const StatCacheFile = Schema.Record({ key: Schema.String, value: Entry })

/** What the stat cache offers (the StatCache service below is this, under the tag "seed/StatCache"). */
export interface StatCacheApi {
  /** sha256 of a file, from the cache when its stat is unchanged. */
  readonly hash: (file: string) => Effect.Effect<Sha256Hex, StoreError>
  /** sha256 read from disk, ignoring (and refreshing) the cache. */
  readonly rehash: (file: string) => Effect.Effect<Sha256Hex, StoreError>
  /**
   * A JSON value derived from a file's bytes (e.g. a module's compiled hash and imports), computed
   * with `derive` only when the file changed or was last derived under another `tag` (the deriver's version).
   */
  readonly derive: <A>(file: string, tag: string, derive: (source: Buffer) => Promise<A>) => Effect.Effect<A, StoreError>
  /**
   * Records `hash` for `file` as it is now: only for bytes the caller just hashed itself and that
   * nothing else writes (an output it renamed into objects/).
   */
  readonly remember: (file: string, hash: Sha256Hex) => Effect.Effect<void, StoreError>
  /** Writes the cache back (atomically) if anything changed. */
  readonly save: Effect.Effect<void, StoreError>
  /** Counters for benchmarks and tests: files actually read. */
  readonly stats: { reads: number; hits: number }
  /** Set when the cache file was there but unreadable (it then starts cold): one line naming it. */
  readonly warning?: string
}

/** The entries in `cacheFile`, or none (with the reason) when it is torn, foreign or unreadable. */
const loadEntries = (cacheFile: string): { entries: Record<string, Entry>; warning?: string } => {
  const cold = (reason: string) => ({ entries: {}, warning: `warning: ${cacheFile} is unreadable (${reason}); starting with a cold stat cache` })
  try {
    const read = readRecordSync(StatCacheFile, cacheFile)
    if (read._tag === "Valid") return { entries: read.value }
    return read._tag === "Missing" ? { entries: {} } : cold(read.reason)
  } catch (e) {
    return cold(e instanceof Error ? e.message : String(e))
  }
}

/** Whether two stats of a file describe the same bytes as far as the cache can tell. */
export const sameStat = (a: fs.Stats, b: fs.Stats): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino

/**
 * The stat cache as a service: one per store, loaded once when its layer is built (a warning is
 * printed if the file was unreadable), saved by whoever ends the run. `StatCache.Default(undefined)`
 * is a cache kept in memory only.
 */
export class StatCache extends Effect.Service<StatCache>()("seed/StatCache", {
  effect: (cacheFile: string | undefined) =>
    Effect.tap(loadStatCache(cacheFile), (cache) => (cache.warning ? Console.error(cache.warning) : Effect.void))
}) {}

/** Opens the cache stored at `cacheFile` (a missing or unreadable cache starts empty, with `warning` set). */
export const openStatCache = (cacheFile: string | undefined): Effect.Effect<StatCache> =>
  Effect.map(loadStatCache(cacheFile), (api) => StatCache.make(api))

const loadStatCache = (cacheFile: string | undefined): Effect.Effect<StatCacheApi> =>
  // loadEntries never throws: whatever stops it from reading the file leaves a cold cache and a warning
  Effect.sync(() => makeStatCache(cacheFile, cacheFile ? loadEntries(cacheFile) : { entries: {} }))

const makeStatCache = (cacheFile: string | undefined, loaded: { entries: Record<string, Entry>; warning?: string }): StatCacheApi => {
  const entries: Record<string, Entry> = loaded.entries
  let dirty = false
  const stats = { reads: 0, hits: 0 }

  const fresh = (file: string): { st: fs.Stats; entry: Entry | undefined } => {
    const st = fs.statSync(file)
    const entry = entries[file]
    const valid = entry && entry.size === st.size && entry.mtimeMs === st.mtimeMs && entry.ino === st.ino
    return { st, entry: valid ? entry : undefined }
  }

  /** Hashes the file; the entry is kept only if the file did not change while it was read. */
  const readAndHash = (file: string, st: fs.Stats) =>
    Effect.tryPromise({
      try: async () => {
        const hash = await hashFile(file)
        return { hash, after: fs.statSync(file) }
      },
      catch: storeError(`cannot hash ${file}`)
    }).pipe(
      Effect.map(({ hash, after }) => {
        stats.reads++
        if (sameStat(st, after)) {
          entries[file] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash }
          dirty = true
        } else if (entries[file]) {
          delete entries[file]
          dirty = true
        }
        return hash
      })
    )

  const hash = (file: string) =>
    Effect.try({ try: () => fresh(file), catch: storeError(`cannot stat ${file}`) }).pipe(
      Effect.flatMap(({ st, entry }) => {
        if (entry) {
          stats.hits++
          return Effect.succeed(entry.hash)
        }
        return readAndHash(file, st)
      })
    )

  const rehash = (file: string) =>
    Effect.try({ try: () => fs.statSync(file), catch: storeError(`cannot stat ${file}`) }).pipe(
      Effect.flatMap((st) => readAndHash(file, st))
    )

  const derive = <A>(file: string, tag: string, compute: (source: Buffer) => Promise<A>) =>
    Effect.try({ try: () => fresh(file), catch: storeError(`cannot stat ${file}`) }).pipe(
      Effect.flatMap(({ st, entry }) => {
        if (entry?.derived?.tag === tag) {
          // a hit stays synchronous: no promise per file on a no-op (hundreds of files per plan)
          stats.hits++
          return Effect.succeed(entry.derived.value as A)
        }
        return Effect.tryPromise({
          try: async () => {
            const source = fs.readFileSync(file)
            stats.reads++
            const value = await compute(source)
            if (sameStat(st, fs.statSync(file))) {
              entries[file] = {
                size: st.size, mtimeMs: st.mtimeMs, ino: st.ino,
                hash: sha256(source), derived: { tag, value }
              }
              dirty = true
            }
            return value
          },
          catch: storeError(`cannot read source file ${file}`)
        })
      })
    )

  const save = Effect.suspend(() => {
    if (!cacheFile || !dirty) return Effect.void
    return Effect.try({
      try: () => {
        writeFileAtomic(cacheFile, JSON.stringify(entries))
        dirty = false
      },
      catch: storeError(`cannot write stat cache ${cacheFile}`)
    })
  })

  const remember = (file: string, hash: Sha256Hex) =>
    Effect.try({
      try: () => {
        const st = fs.statSync(file)
        entries[file] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash }
        dirty = true
      },
      catch: storeError(`cannot stat ${file}`)
    })

  return { hash, rehash, derive, remember, save, stats, ...(loaded.warning ? { warning: loaded.warning } : {}) }
}
