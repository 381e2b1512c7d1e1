/**
 * The disk cache shared by the `.ts` hooks (which fill it) and the preloader (which reads it).
 * An entry is keyed by sha256 of (loader version, transform options, file URL, source text):
 * `<key>.mjs` holds the JS esbuild emitted, `<key>.json` the file's static imports as resolved
 * by Node on an earlier import ({ specifier: url }), which lets the next process preload them.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { threadId } from "node:worker_threads"

/** Bump when the transform or the entry layout changes: it is part of every key. */
const LOADER_VERSION = "1"

const repoRoot = fileURLToPath(new URL("../../", import.meta.url))

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}

/** Only the compiler options that change emitted JS (class fields, import elision, decorators). */
const emitOptions = () => {
  const options = readJson(path.join(repoRoot, "tsconfig.json"))?.compilerOptions ?? {}
  const keep = ["target", "useDefineForClassFields", "verbatimModuleSyntax", "preserveValueImports",
    "importsNotUsedAsValues", "experimentalDecorators", "emitDecoratorMetadata", "alwaysStrict"]
  return Object.fromEntries(keep.filter((k) => k in options).map((k) => [k, options[k]]))
}

/** esbuild `transform` options: strip types only, keep ESM, inline source map for stack traces. */
export const transformOptions = {
  loader: "ts",
  format: "esm",
  target: `node${process.versions.node}`,
  sourcemap: "inline",
  tsconfigRaw: { compilerOptions: emitOptions() }
}

const keyPrefix = JSON.stringify([
  LOADER_VERSION, transformOptions, readJson(path.join(repoRoot, "node_modules", "esbuild", "package.json"))?.version
])

/** Names the compiler and its options: a compiled form is only comparable to one made under the same tag. */
export const compilerTag = createHash("sha256").update(keyPrefix).digest("hex").slice(0, 16)

let esbuild
/** esbuild, started once per process (the first transform also pays its start-up). */
export const loadEsbuild = async () => (esbuild ??= await import("esbuild"))

/**
 * The JavaScript a `.ts` file runs as: the loader's own transform without the source map, so it
 * holds no comments, formatting or types. Code keys hash this, not the source bytes.
 */
export const compiledCode = async (source, file) =>
  (await (await loadEsbuild()).transform(source, { ...transformOptions, sourcemap: false, sourcefile: file })).code

/**
 * A cache folder whose files this process may execute: a real directory (not a link) owned by this
 * user and writable by no one else, so no other account can plant code in it. Created private (0700).
 */
export const privateDirProblem = (dir) => {
  const st = fs.lstatSync(dir)
  if (!st.isDirectory()) return "is not a directory (or is a symbolic link)"
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid) return `is owned by uid ${st.uid}, not by this user (uid ${uid})`
  if ((st.mode & 0o022) !== 0) return `is writable by its group or by others (mode ${(st.mode & 0o777).toString(8)})`
  return undefined
}

const usableDir = (dir) => {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const problem = privateDirProblem(dir)
    if (problem !== undefined) {
      process.emitWarning(`not caching compiled TypeScript in ${dir}: it ${problem}`, { code: "SEED_TS_CACHE_UNSAFE" })
      return undefined
    }
    fs.accessSync(dir, fs.constants.W_OK)
    return dir
  } catch {
    return undefined
  }
}

/**
 * node_modules/.cache/seed-ts (next to what it depends on), else a per-user temp dir, else none
 * (each process then compiles in memory). A folder that fails the ownership check is never used.
 */
export const cacheDir = [
  process.env.SEED_TS_CACHE,
  path.join(repoRoot, "node_modules", ".cache", "seed-ts"),
  path.join(os.tmpdir(), `seed-ts-${process.getuid?.() ?? "user"}`)
].filter(Boolean).find((dir) => usableDir(dir) !== undefined) // find stops at the first: later ones are not created

export const isTypeScript = (url) => url.startsWith("file:") && (url.endsWith(".ts") || url.endsWith(".mts"))

/** The cache key of one source file's current text. */
export const entryKey = (url, source) =>
  createHash("sha256").update(keyPrefix).update("\0").update(url).update("\0").update(source).digest("hex")

export const codeFile = (key) => path.join(cacheDir, `${key}.mjs`)
export const importsFile = (key) => path.join(cacheDir, `${key}.json`)

/** Recorded static imports of an entry ({ specifier: resolved url }), or undefined. */
export const readImports = (key) => (cacheDir ? readJson(importsFile(key)) : undefined)

/** Writes atomically (temp + rename): concurrent processes may fill the same entry. */
export const writeEntryFile = (file, text) => {
  const temp = `${file}.${process.pid}.${threadId}.${process.hrtime.bigint()}.tmp`
  try {
    fs.writeFileSync(temp, text)
    fs.renameSync(temp, file)
  } catch {
    fs.rmSync(temp, { force: true })
  }
}

/** Entries neither read (atime, relatime is enough) nor written this long are dropped; a dropped entry only costs one transform again. */
const maxAgeMs = 7 * 24 * 3600 * 1000

/**
 * Drops entries older than a week (temp projects of tests and benches leave entries behind).
 * Asynchronous and best-effort: meant to run once per process that had to transform something.
 */
export const pruneOldEntries = async () => {
  if (!cacheDir) return
  const cutoff = Date.now() - maxAgeMs
  const names = await fs.promises.readdir(cacheDir).catch(() => [])
  for (const name of names) {
    const file = path.join(cacheDir, name)
    const stat = await fs.promises.stat(file).catch(() => undefined)
    if (stat && Math.max(stat.atimeMs, stat.mtimeMs) < cutoff) await fs.promises.rm(file, { force: true })
  }
}

const staticImport = /^(?:import|export)\s*(?:[^"'`;()]*?\sfrom\s*)?["']([^"']+)["']/gm

/**
 * Specifiers of the static `import`/`export ... from` statements in esbuild output (which starts
 * every top-level statement at column 0). Dynamic `import()` is never matched: what a stage loads
 * inside `run` (TensorFlow.js) must not be preloaded.
 */
export const staticSpecifiers = (code) => new Set(Array.from(code.matchAll(staticImport), (m) => m[1]))
