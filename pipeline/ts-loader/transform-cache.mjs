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

const writableDir = (dir) => {
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.accessSync(dir, fs.constants.W_OK)
    return dir
  } catch {
    return undefined
  }
}

/** node_modules/.cache/seed-ts (next to what it depends on), else a per-user temp dir, else none. */
export const cacheDir = [
  process.env.SEED_TS_CACHE,
  path.join(repoRoot, "node_modules", ".cache", "seed-ts"),
  path.join(os.tmpdir(), `seed-ts-${process.getuid?.() ?? "user"}`)
].filter(Boolean).find((dir) => writableDir(dir) !== undefined) // find stops at the first: later ones are not created

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
