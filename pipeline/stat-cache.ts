/**
 * File hashing behind a stat cache: (path, size, mtimeMs, ino) -> sha256 (and parsed imports),
 * persisted in the store, so an unchanged file is neither re-read nor re-parsed.
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { readJsonIfExists, writeFileAtomic } from "./atomic-fs.ts"
import { StoreError, storeError } from "./errors.ts"

interface Entry {
  size: number
  mtimeMs: number
  ino: number
  hash: string
  /** Import specifiers found in the file (source files only). */
  imports?: Array<string>
}

export interface StatCache {
  /** sha256 of a file, from the cache when its stat is unchanged. */
  readonly hash: (file: string) => Effect.Effect<string, StoreError>
  /** sha256 read from disk, ignoring (and refreshing) the cache. */
  readonly rehash: (file: string) => Effect.Effect<string, StoreError>
  /** Cached import list of a source file, parsed with `parse` only when the file changed. */
  readonly imports: (file: string, parse: (source: string) => Array<string>) => Effect.Effect<Array<string>, StoreError>
  /** Records a hash just computed for `file` (e.g. an output committed to the store). */
  readonly remember: (file: string, hash: string) => Effect.Effect<void, StoreError>
  /** Writes the cache back (atomically) if anything changed. */
  readonly save: Effect.Effect<void, StoreError>
  /** Counters for benchmarks and tests: files actually read. */
  readonly stats: { reads: number; hits: number }
}

const CHUNK = 4 * 1024 * 1024

/** Streams a file through sha256 in 4 MiB chunks. */
export const hashFileFromDisk = async (file: string): Promise<string> => {
  const hash = createHash("sha256")
  const handle = await fs.promises.open(file, "r")
  try {
    const buffer = Buffer.allocUnsafe(CHUNK)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
  return hash.digest("hex")
}

/** Opens the cache stored at `cacheFile` (a missing or unreadable cache starts empty). */
export const openStatCache = (cacheFile: string | undefined): StatCache => {
  let entries: Record<string, Entry> = {}
  if (cacheFile) {
    try {
      entries = readJsonIfExists<Record<string, Entry>>(cacheFile) ?? {}
    } catch {
      entries = {} // a torn or foreign cache is just a cold cache
    }
  }
  let dirty = false
  const stats = { reads: 0, hits: 0 }

  const fresh = (file: string): { st: fs.Stats; entry: Entry | undefined } => {
    const st = fs.statSync(file)
    const entry = entries[file]
    const valid = entry && entry.size === st.size && entry.mtimeMs === st.mtimeMs && entry.ino === st.ino
    return { st, entry: valid ? entry : undefined }
  }

  const readAndHash = (file: string, st: fs.Stats) =>
    Effect.tryPromise({ try: () => hashFileFromDisk(file), catch: storeError(`cannot hash ${file}`) }).pipe(
      Effect.map((hash) => {
        stats.reads++
        entries[file] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash }
        dirty = true
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

  const imports = (file: string, parse: (source: string) => Array<string>) =>
    Effect.try({
      try: () => {
        const { st, entry } = fresh(file)
        if (entry?.imports) {
          stats.hits++
          return entry.imports
        }
        const source = fs.readFileSync(file)
        stats.reads++
        const found = parse(source.toString("utf8"))
        entries[file] = {
          size: st.size, mtimeMs: st.mtimeMs, ino: st.ino,
          hash: createHash("sha256").update(source).digest("hex"), imports: found
        }
        dirty = true
        return found
      },
      catch: storeError(`cannot read source file ${file}`)
    })

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

  const remember = (file: string, hash: string) =>
    Effect.try({
      try: () => {
        const st = fs.statSync(file)
        entries[file] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash }
        dirty = true
      },
      catch: storeError(`cannot stat ${file}`)
    })

  return { hash, rehash, imports, remember, save, stats }
}
