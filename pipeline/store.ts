/**
 * The on-disk store: content-addressed objects, per-stage index entries, run records, `latest/` exports.
 * Layout: objects/<2 hex>/<sha256>, index/<stage>/<fingerprint>.json, index/<stage>/HEAD.json,
 * runs/<runId>.json, latest/<stage>/<output>.<ext>, tmp/<pid>-<id>/, locks/, cache/stat.json,
 * checkpoints/<stage>/<fingerprint>/ (resumable state of stages that did not finish).
 */
import * as Effect from "effect/Effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { commitFile, fsyncDir, readJsonIfExists, tempNameFor, writeFileAtomic } from "./atomic-fs.ts"
import { StoreError, storeError } from "./errors.ts"
import type { IndexEntry, RunRecord, RuntimeFacts } from "./records.ts"

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
  readonly fingerprint: string
  readonly bytes: number
  /** The newest write under it, ms since the epoch. */
  readonly modifiedMs: number
}

export interface Store {
  readonly root: string
  readonly locksDir: string
  readonly objectPath: (hash: string) => string
  readonly statCacheFile: string
  readonly hasObject: (hash: string) => boolean
  /** Moves a finished file into objects/ under its hash (no-op if that object exists already). */
  readonly commitObject: (file: string, hash: string) => Effect.Effect<string, StoreError>
  readonly readIndex: (stage: string, fingerprint: string) => Effect.Effect<IndexEntry | undefined, StoreError>
  readonly listIndex: (stage: string) => Effect.Effect<ReadonlyArray<IndexEntry>, StoreError>
  readonly allIndexStages: () => Effect.Effect<ReadonlyArray<string>, StoreError>
  readonly removeIndex: (stage: string, fingerprint: string) => Effect.Effect<void, StoreError>
  readonly writeIndex: (entry: IndexEntry) => Effect.Effect<void, StoreError>
  /** The newest successful entry of a stage (what `status` compares against). */
  readonly readHead: (stage: string) => Effect.Effect<IndexEntry | undefined, StoreError>
  readonly writeHead: (entry: IndexEntry) => Effect.Effect<void, StoreError>
  readonly writeRun: (record: RunRecord) => Effect.Effect<void, StoreError>
  readonly listRunIds: () => Effect.Effect<ReadonlyArray<string>, StoreError>
  readonly readRun: (runId: string) => Effect.Effect<RunRecord | undefined, StoreError>
  readonly removeRun: (runId: string) => Effect.Effect<void, StoreError>
  /** Hard-links (or copies) object `hash` to latest/<stage>/<fileName>, replacing it atomically. */
  readonly exportLatest: (stage: string, fileName: string, hash: string) => Effect.Effect<void, StoreError>
  /** A fresh private temp directory inside the store (same filesystem as objects/). */
  readonly makeTempDir: (label: string) => Effect.Effect<string, StoreError>
  readonly lockTarget: (stage: string, fingerprint: string) => string
  /** checkpoints/<stage>/<fingerprint>/, created if missing: a stage's resumable state (see StageContext). */
  readonly checkpointDir: (stage: string, fingerprint: string) => Effect.Effect<string, StoreError>
  readonly removeCheckpoint: (stage: string, fingerprint: string) => Effect.Effect<void, StoreError>
  readonly listCheckpoints: () => Effect.Effect<ReadonlyArray<CheckpointEntry>, StoreError>
  /** The non-empty checkpoint of this stage and fingerprint, if there is one. */
  readonly findCheckpoint: (stage: string, fingerprint: string) => Effect.Effect<CheckpointEntry | undefined, StoreError>
  readonly listObjects: () => Effect.Effect<ReadonlyArray<string>, StoreError>
  readonly removeObject: (hash: string) => Effect.Effect<void, StoreError>
}

/** Opens (creating if needed) the store at `root`, and removes temp dirs left by dead processes. */
export const openStore = (root: string): Effect.Effect<Store, StoreError> =>
  attempt(`cannot open store ${root}`, () => {
    const abs = path.resolve(root)
    for (const dir of ["objects", "index", "runs", "latest", "tmp", "locks", "cache", "checkpoints"]) fs.mkdirSync(path.join(abs, dir), { recursive: true })
    removeOrphanTemps(path.join(abs, "tmp"))
    return makeStore(abs)
  })

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** tmp/<pid>-... belongs to a process; a dead process's partial outputs are deleted. */
const removeOrphanTemps = (tmpRoot: string): void => {
  for (const name of fs.readdirSync(tmpRoot)) {
    const pid = Number(name.split("-")[0])
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) {
      fs.rmSync(path.join(tmpRoot, name), { recursive: true, force: true })
    }
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

const makeStore = (root: string): Store => {
  const objectPath = (hash: string) => path.join(root, "objects", hash.slice(0, 2), hash)
  const indexDir = (stage: string) => path.join(root, "index", safeName(stage))
  const indexFile = (stage: string, fp: string) => path.join(indexDir(stage), `${fp}.json`)
  const runFile = (runId: string) => path.join(root, "runs", `${runId}.json`)
  const locksDir = path.join(root, "locks")
  const checkpointPath = (stage: string, fp: string) => path.join(root, "checkpoints", safeName(stage), fp)

  const commitObject = (file: string, hash: string) =>
    attempt(`cannot commit object ${hash}`, () => {
      const dest = objectPath(hash)
      if (fs.existsSync(dest)) {
        fs.rmSync(file, { force: true })
      } else {
        fs.chmodSync(file, 0o444)
        commitFile(file, dest)
      }
      return dest
    })

  const readIndex = (stage: string, fp: string) =>
    attempt(`cannot read index entry of ${stage}`, () => readJsonIfExists<IndexEntry>(indexFile(stage, fp)))

  const listIndex = (stage: string) =>
    attempt(`cannot list index of ${stage}`, () => {
      const dir = indexDir(stage)
      if (!fs.existsSync(dir)) return []
      return fs.readdirSync(dir)
        .filter((f) => f.endsWith(".json") && f !== "HEAD.json")
        .map((f) => readJsonIfExists<IndexEntry>(path.join(dir, f)))
        .filter((e): e is IndexEntry => e !== undefined)
    })

  const allIndexStages = () =>
    attempt("cannot list index", () =>
      fs.readdirSync(path.join(root, "index")).map((d) => decodeURIComponent(d)))

  const exportLatest = (stage: string, fileName: string, hash: string) =>
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

  const checkpointEntry = (stage: string, fingerprint: string): CheckpointEntry => ({
    stage,
    fingerprint,
    ...treeStats(checkpointPath(stage, fingerprint))
  })

  const listCheckpoints = () =>
    attempt("cannot list checkpoints", () => {
      const top = path.join(root, "checkpoints")
      return fs.readdirSync(top).flatMap((stageDir) =>
        fs.readdirSync(path.join(top, stageDir)).map((fingerprint) => checkpointEntry(decodeURIComponent(stageDir), fingerprint)))
    })

  const findCheckpoint = (stage: string, fingerprint: string) =>
    attempt(`cannot read the checkpoint of ${stage}`, () => {
      const dir = checkpointPath(stage, fingerprint)
      return fs.existsSync(dir) && fs.readdirSync(dir).length > 0 ? checkpointEntry(stage, fingerprint) : undefined
    })

  return {
    root,
    locksDir,
    objectPath,
    statCacheFile: path.join(root, "cache", "stat.json"),
    hasObject: (hash) => fs.existsSync(objectPath(hash)),
    commitObject,
    readIndex,
    listIndex,
    allIndexStages,
    removeIndex: (stage, fp) => attempt(`cannot remove index entry`, () => fs.rmSync(indexFile(stage, fp), { force: true })),
    writeIndex: (entry) =>
      attempt(`cannot write index entry of ${entry.stage}`, () =>
        writeFileAtomic(indexFile(entry.stage, entry.fingerprint), JSON.stringify(entry, null, 2))),
    readHead: (stage) =>
      attempt(`cannot read HEAD of ${stage}`, () => readJsonIfExists<IndexEntry>(path.join(indexDir(stage), "HEAD.json"))),
    writeHead: (entry) =>
      attempt(`cannot write HEAD of ${entry.stage}`, () =>
        writeFileAtomic(path.join(indexDir(entry.stage), "HEAD.json"), JSON.stringify(entry, null, 2))),
    writeRun: (record) =>
      attempt(`cannot write run record ${record.runId}`, () => writeFileAtomic(runFile(record.runId), JSON.stringify(record, null, 2))),
    listRunIds: () =>
      attempt("cannot list runs", () =>
        fs.readdirSync(path.join(root, "runs")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort()),
    readRun: (runId) => attempt(`cannot read run ${runId}`, () => readJsonIfExists<RunRecord>(runFile(runId))),
    removeRun: (runId) => attempt(`cannot remove run ${runId}`, () => fs.rmSync(runFile(runId), { force: true })),
    exportLatest,
    makeTempDir: (label) =>
      attempt("cannot create temp dir", () =>
        fs.mkdtempSync(path.join(root, "tmp", `${process.pid}-${safeName(label)}-`))),
    lockTarget: (stage, fp) => path.join(locksDir, `${safeName(stage)}-${fp.slice(0, 24)}`),
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
          fs.readdirSync(path.join(root, "objects", d)).filter((f) => /^[0-9a-f]{64}$/.test(f)))),
    removeObject: (hash) => attempt(`cannot remove object ${hash}`, () => fs.rmSync(objectPath(hash), { force: true }))
  }
}
