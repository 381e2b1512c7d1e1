/**
 * The on-disk store: content-addressed objects, per-stage index entries, run records, `latest/` exports.
 * Layout: objects/<2 hex>/<sha256>, index/<stage>/<fingerprint>.json, index/<stage>/HEAD.json,
 * runs/<runId>.json, latest/<stage>/<output>.<ext>, tmp/<machine>-<pid>-<start>-<label>-<id>/, locks/, in-use/,
 * cache/stat.json, checkpoints/<stage>/<fingerprint>/ (resumable state of stages that did not finish).
 * Every record read back is decoded (records.ts); every hash joined into a path is 64 lowercase hex.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { commitFile, fsyncDir, tempNameFor, writeFileAtomic } from "./atomic-fs.ts"
import { StoreError, storeError } from "./errors.ts"
import { currentOwner, ownerIsGone, ownerTag, parseOwnerTag } from "./process-identity.ts"
import { makeRecordWarner, readRecord } from "./record-file.ts"
import { IndexEntry, RunRecord, Sha256Hex, type RuntimeFacts } from "./records.ts"
import { shortHash } from "./format.ts"

/** Stage names may hold ":" and other characters unsafe in file names: percent-encode them. */
export const safeName = (name: string): string => {
  const encoded = name.replace(/[^A-Za-z0-9._-]/gu, (c) =>
    encodeURIComponent(c) !== c ? encodeURIComponent(c) : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, "%2E") : encoded // "." and ".." are not usable file names
}

export const runtimeFacts = (): RuntimeFacts => ({
  node: process.version,
  platform: process.platform,
  arch: process.arch,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "unknown"
})

/** A sortable, unique run id: UTC timestamp plus pid and random suffix. */
export const newRunId = (): string =>
  `${new Date().toISOString().replace(/[-:]/g, "").replace(".", "")}-${process.pid}-${randomBytes(2).toString("hex")}`

const attempt = <A>(what: string, f: () => A): Effect.Effect<A, StoreError> => Effect.try({ try: f, catch: storeError(what) })

/** One stage's resumable state on disk. */
export interface CheckpointEntry {
  readonly stage: string
  readonly fingerprint: Sha256Hex
  readonly bytes: number
  /** The newest write under it, ms since the epoch. */
  readonly modifiedMs: number
}

/** What the store offers (the Store service below is this, under the tag "seed/Store"). */
export interface StoreApi {
  readonly root: string
  readonly locksDir: string
  /** objects/<2 hex>/<hash>; throws on anything but 64 lowercase hex (a hash is never a path). */
  readonly objectPath: (hash: Sha256Hex) => string
  readonly statCacheFile: string
  readonly hasObject: (hash: Sha256Hex) => Effect.Effect<boolean, StoreError>
  /**
   * Moves a finished file, already hashed to `hash`, into objects/ under that hash. An object already
   * there is replaced rather than trusted: its bytes may have been damaged since it was written.
   */
  readonly commitObject: (file: string, hash: Sha256Hex) => Effect.Effect<string, StoreError>
  /** The entry of this fingerprint; undefined when missing or unreadable (a cache miss, with a warning). */
  readonly readIndex: (stage: string, fingerprint: Sha256Hex) => Effect.Effect<IndexEntry | undefined, StoreError>
  /** The readable entries of a stage (unreadable ones are skipped with a warning). */
  readonly listIndex: (stage: string) => Effect.Effect<ReadonlyArray<IndexEntry>, StoreError>
  readonly allIndexStages: () => Effect.Effect<ReadonlyArray<string>, StoreError>
  readonly removeIndex: (stage: string, fingerprint: Sha256Hex) => Effect.Effect<void, StoreError>
  readonly writeIndex: (entry: IndexEntry) => Effect.Effect<void, StoreError>
  /** The newest successful entry of a stage (what `status` compares against). */
  readonly readHead: (stage: string) => Effect.Effect<IndexEntry | undefined, StoreError>
  readonly writeHead: (entry: IndexEntry) => Effect.Effect<void, StoreError>
  readonly writeRun: (record: RunRecord) => Effect.Effect<void, StoreError>
  readonly listRunIds: () => Effect.Effect<ReadonlyArray<string>, StoreError>
  /** A run record; undefined when missing or unreadable (skipped, with a warning). */
  readonly readRun: (runId: string) => Effect.Effect<RunRecord | undefined, StoreError>
  readonly removeRun: (runId: string) => Effect.Effect<void, StoreError>
  /** Hard-links (or copies) object `hash` to latest/<stage>/<fileName>, replacing it atomically. */
  readonly exportLatest: (stage: string, fileName: string, hash: Sha256Hex) => Effect.Effect<void, StoreError>
  /**
   * A fresh private temp directory inside the store (same filesystem as objects/), named after this
   * process (machine, pid, start time) so that only a provably dead owner's dirs are ever swept.
   */
  readonly makeTempDir: (label: string) => Effect.Effect<string, StoreError>
  readonly lockTarget: (stage: string, fingerprint: Sha256Hex) => string
  /** checkpoints/<stage>/<fingerprint>/, created if missing: a stage's resumable state (see StageContext). */
  readonly checkpointDir: (stage: string, fingerprint: Sha256Hex) => Effect.Effect<string, StoreError>
  readonly removeCheckpoint: (stage: string, fingerprint: Sha256Hex) => Effect.Effect<void, StoreError>
  readonly listCheckpoints: () => Effect.Effect<ReadonlyArray<CheckpointEntry>, StoreError>
  /** The non-empty checkpoint of this stage and fingerprint, if there is one. */
  readonly findCheckpoint: (stage: string, fingerprint: Sha256Hex) => Effect.Effect<CheckpointEntry | undefined, StoreError>
  readonly listObjects: () => Effect.Effect<ReadonlyArray<Sha256Hex>, StoreError>
  readonly removeObject: (hash: Sha256Hex) => Effect.Effect<void, StoreError>
}

const isSha256Hex = Schema.is(Sha256Hex)

/** The last guard before a hash or fingerprint becomes part of a path. */
const checkedHex = (value: string, what: string): Sha256Hex => {
  if (!isSha256Hex(value)) throw new Error(`refusing ${what} ${JSON.stringify(value.slice(0, 80))}: not 64 lowercase hex digits`)
  return value
}

/**
 * The store as a service: `Store.Default(root)` opens (creating if needed) the store at `root` and
 * removes temp dirs left by dead processes. Every operation that touches the disk is an Effect that
 * fails with StoreError.
 */
export class Store extends Effect.Service<Store>()("seed/Store", {
  effect: (root: string) =>
    attempt(`cannot open store ${root}`, () => {
      const abs = path.resolve(root)
      for (const dir of ["objects", "index", "runs", "latest", "tmp", "locks", "cache", "checkpoints"]) fs.mkdirSync(path.join(abs, dir), { recursive: true })
      removeOrphanTemps(path.join(abs, "tmp"))
      return makeStore(abs)
    })
}) {}

/** The store at `root` as a value, for code that holds two stores at once (audit's scratch store) and tests. */
export const openStore = (root: string): Effect.Effect<Store, StoreError> =>
  Effect.provide(Store, Store.Default(root))

/**
 * Deletes the temp dirs of owners that provably no longer run (see process-identity.ts). Entries
 * without an owner tag (not made by the runner) and those of other machines are never touched.
 */
const removeOrphanTemps = (tmpRoot: string): void => {
  for (const name of fs.readdirSync(tmpRoot)) {
    const owner = parseOwnerTag(name)
    if (owner && ownerIsGone(owner)) fs.rmSync(path.join(tmpRoot, name), { recursive: true, force: true })
  }
}

/** The stage a `safeName`d directory belongs to; undefined for a name the runner did not write. */
const stageOfDir = (dir: string): string | undefined => {
  try {
    const stage = decodeURIComponent(dir)
    return safeName(stage) === dir ? stage : undefined
  } catch {
    return undefined
  }
}

/** Total bytes and newest mtime of the files and dirs under `dir`. */
const treeStats = (dir: string): { bytes: number; modifiedMs: number } => {
  let bytes = 0
  let modifiedMs = fs.statSync(dir).mtimeMs
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    const stat = fs.statSync(full)
    const inner = entry.isDirectory() ? treeStats(full) : { bytes: stat.size, modifiedMs: stat.mtimeMs }
    bytes += inner.bytes
    modifiedMs = Math.max(modifiedMs, inner.modifiedMs)
  }
  return { bytes, modifiedMs }
}

/** Whether two paths are hard links to the same file (false if either is missing). */
const sameFile = (a: string, b: string): boolean => {
  try {
    const x = fs.statSync(a), y = fs.statSync(b)
    return x.ino === y.ino && x.dev === y.dev
  } catch {
    return false
  }
}

const makeStore = (root: string): StoreApi => {
  const objectPath = (hash: Sha256Hex) => {
    checkedHex(hash, "object hash")
    return path.join(root, "objects", hash.slice(0, 2), hash)
  }
  const indexDir = (stage: string) => path.join(root, "index", safeName(stage))
  const indexFile = (stage: string, fp: Sha256Hex) => path.join(indexDir(stage), `${checkedHex(fp, "fingerprint")}.json`)
  const headFile = (stage: string) => path.join(indexDir(stage), "HEAD.json")
  const runFile = (runId: string) => path.join(root, "runs", `${safeName(runId)}.json`)
  const locksDir = path.join(root, "locks")
  const checkpointPath = (stage: string, fp: Sha256Hex) => path.join(root, "checkpoints", safeName(stage), checkedHex(fp, "fingerprint"))
  const warn = makeRecordWarner()

  const commitObject = (file: string, hash: Sha256Hex) =>
    attempt(`cannot commit object ${hash}`, () => {
      const dest = objectPath(hash)
      // rename replaces an existing object atomically: readers see the old inode or the new, both whole
      fs.chmodSync(file, 0o444)
      commitFile(file, dest)
      return dest
    })

  /** An entry that does not describe what its file name says (stage, fingerprint) is not trusted either. */
  const entryAt = (file: string, stage: string, fingerprint: string | undefined) =>
    readRecord(IndexEntry, file, warn).pipe(
      Effect.flatMap((entry) => {
        if (entry === undefined || (entry.stage === stage && (fingerprint === undefined || entry.fingerprint === fingerprint))) {
          return Effect.succeed(entry)
        }
        return Effect.as(warn(file, `it describes ${entry.stage}/${shortHash(entry.fingerprint)}`, "treated as a cache miss"), undefined)
      })
    )

  const readIndex = (stage: string, fp: Sha256Hex) =>
    Effect.suspend(() => entryAt(indexFile(stage, fp), stage, fp)).pipe(
      Effect.catchAllDefect((d) => Effect.fail(storeError(`cannot read index entry of ${stage}`)(d)))
    )

  const listIndex = (stage: string) =>
    attempt(`cannot list index of ${stage}`, () => {
      const dir = indexDir(stage)
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "HEAD.json") : []
    }).pipe(
      Effect.flatMap((names) =>
        Effect.forEach(names, (f) => entryAt(path.join(indexDir(stage), f), stage, f.slice(0, -".json".length)))),
      Effect.map((entries) => entries.filter((e): e is IndexEntry => e !== undefined))
    )

  const allIndexStages = () =>
    attempt("cannot list index", () =>
      fs.readdirSync(path.join(root, "index")).flatMap((d) => stageOfDir(d) ?? []))

  const exportLatest = (stage: string, fileName: string, hash: Sha256Hex) =>
    attempt(`cannot export latest ${stage}/${fileName}`, () => {
      const dest = path.join(root, "latest", safeName(stage), safeName(fileName))
      if (sameFile(dest, objectPath(hash))) return
      fs.mkdirSync(path.dirname(dest), { recursive: true })
      const tmp = tempNameFor(dest)
      try {
        fs.linkSync(objectPath(hash), tmp)
      } catch {
        fs.copyFileSync(objectPath(hash), tmp)
      }
      fs.renameSync(tmp, dest)
      fsyncDir(path.dirname(dest))
    })

  const checkpointEntry = (stage: string, fingerprint: Sha256Hex): CheckpointEntry => ({
    stage,
    fingerprint,
    ...treeStats(checkpointPath(stage, fingerprint))
  })

  const listCheckpoints = () =>
    attempt("cannot list checkpoints", () => {
      const top = path.join(root, "checkpoints")
      // only <stage>/<64 hex> dirs are checkpoints; anything else there is not the runner's
      return fs.readdirSync(top).flatMap((stageDir) => {
        const stage = stageOfDir(stageDir)
        return stage === undefined ? [] : fs.readdirSync(path.join(top, stageDir)).filter(isSha256Hex).map((fingerprint) => checkpointEntry(stage, fingerprint))
      })
    })

  const findCheckpoint = (stage: string, fingerprint: Sha256Hex) =>
    attempt(`cannot read the checkpoint of ${stage}`, () => {
      const dir = checkpointPath(stage, fingerprint)
      return fs.existsSync(dir) && fs.readdirSync(dir).length > 0 ? checkpointEntry(stage, fingerprint) : undefined
    })

  return {
    root,
    locksDir,
    objectPath,
    statCacheFile: path.join(root, "cache", "stat.json"),
    hasObject: (hash) => attempt(`cannot look for object ${hash}`, () => fs.existsSync(objectPath(hash))),
    commitObject,
    readIndex,
    listIndex,
    allIndexStages,
    removeIndex: (stage, fp) => attempt(`cannot remove index entry`, () => fs.rmSync(indexFile(stage, fp), { force: true })),
    writeIndex: (entry) =>
      attempt(`cannot write index entry of ${entry.stage}`, () =>
        writeFileAtomic(indexFile(entry.stage, entry.fingerprint), JSON.stringify(entry, null, 2))),
    readHead: (stage) => entryAt(headFile(stage), stage, undefined),
    writeHead: (entry) =>
      attempt(`cannot write HEAD of ${entry.stage}`, () => writeFileAtomic(headFile(entry.stage), JSON.stringify(entry, null, 2))),
    writeRun: (record) =>
      attempt(`cannot write run record ${record.runId}`, () => writeFileAtomic(runFile(record.runId), JSON.stringify(record, null, 2))),
    listRunIds: () =>
      attempt("cannot list runs", () =>
        fs.readdirSync(path.join(root, "runs")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort()),
    readRun: (runId) => readRecord(RunRecord, runFile(runId), warn, "this run is skipped"),
    removeRun: (runId) => attempt(`cannot remove run ${runId}`, () => fs.rmSync(runFile(runId), { force: true })),
    exportLatest,
    makeTempDir: (label) =>
      attempt("cannot create temp dir", () =>
        fs.mkdtempSync(path.join(root, "tmp", `${ownerTag(currentOwner())}-${safeName(label)}-`))),
    lockTarget: (stage, fp) => path.join(locksDir, `${safeName(stage)}-${checkedHex(fp, "fingerprint").slice(0, 24)}`),
    checkpointDir: (stage, fp) =>
      attempt(`cannot create the checkpoint dir of ${stage}`, () => {
        fs.mkdirSync(checkpointPath(stage, fp), { recursive: true })
        return checkpointPath(stage, fp)
      }),
    removeCheckpoint: (stage, fp) =>
      attempt(`cannot remove the checkpoint dir of ${stage}`, () => {
        fs.rmSync(checkpointPath(stage, fp), { recursive: true, force: true })
        // the stage's own dir too once no other fingerprint has one (rmdir refuses a non-empty dir)
        try {
          fs.rmdirSync(path.dirname(checkpointPath(stage, fp)))
        } catch {}
      }),
    listCheckpoints,
    findCheckpoint,
    listObjects: () =>
      attempt("cannot list objects", () =>
        fs.readdirSync(path.join(root, "objects")).flatMap((d) =>
          fs.readdirSync(path.join(root, "objects", d)).filter(isSha256Hex))),
    removeObject: (hash) => attempt(`cannot remove object ${hash}`, () => fs.rmSync(objectPath(hash), { force: true }))
  }
}
