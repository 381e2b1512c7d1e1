/**
 * The code part of a fingerprint: the stage module plus every project-local module it imports
 * (static, re-exports, dynamic `import("./x.ts")`), each file's sha256 by project-relative path,
 * and the installed version of each npm package that closure imports.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { createRequire, isBuiltin } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { storeError, type StoreError } from "./errors.ts"
import type { StatCache } from "./stat-cache.ts"

export interface CodeFingerprint {
  /** Project-relative path -> sha256 of the file, sorted by path. */
  readonly files: Readonly<Record<string, string>>
  /** npm package -> installed version (from node_modules/<pkg>/package.json). */
  readonly packages: Readonly<Record<string, string>>
}

// TypeScript is only loaded when a source file changed since the last run (stat-cache miss).
let tsModule: typeof import("typescript") | undefined
const parseImports = (source: string): Array<string> => {
  tsModule ??= createRequire(import.meta.url)("typescript") as typeof import("typescript")
  return tsModule.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName)
}

/** The nearest directory at or above `file` that holds a package.json. */
export const projectRootOf = (file: string): string => {
  let dir = path.dirname(file)
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return path.dirname(file)
    dir = parent
  }
}

/** `@scope/name/sub` -> `@scope/name`; `effect/Effect` -> `effect`. */
const packageName = (specifier: string): string => {
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]
}

const isLocal = (specifier: string): boolean =>
  specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("file:")

/** Resolves a local specifier the way tsx does for this project's conventions (`.ts` carried, `.js` -> `.ts`). */
const resolveLocal = (fromFile: string, specifier: string): string | undefined => {
  const base = specifier.startsWith("file:") ? fileURLToPath(specifier) : path.resolve(path.dirname(fromFile), specifier)
  const candidates = [base, base.replace(/\.(m?)js$/, ".$1ts"), `${base}.ts`, path.join(base, "index.ts")]
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile())
}

const versionCache = new Map<string, string>()
const installedVersion = (root: string, pkg: string): string => {
  const key = `${root}\0${pkg}`
  let version = versionCache.get(key)
  if (version === undefined) {
    try {
      version = String(JSON.parse(fs.readFileSync(path.join(root, "node_modules", pkg, "package.json"), "utf8")).version)
    } catch {
      version = "not-installed"
    }
    versionCache.set(key, version)
  }
  return version
}

/** Hashes the transitive local-import closure of `moduleUrl` (a file URL or path). */
export const codeFingerprint = (moduleUrl: string, cache: StatCache): Effect.Effect<CodeFingerprint, StoreError> =>
  Effect.gen(function* () {
    const entry = moduleUrl.startsWith("file:") ? fileURLToPath(moduleUrl) : path.resolve(moduleUrl)
    const root = projectRootOf(entry)
    const files: Record<string, string> = {}
    const packages: Record<string, string> = {}
    const seen = new Set<string>()
    const queue = [entry]
    while (queue.length > 0) {
      const file = queue.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      if (!fs.existsSync(file)) {
        return yield* Effect.fail(storeError(`stage module closure`)(new Error(`${file} does not exist`)))
      }
      const specifiers = /\.(m|c)?[jt]sx?$/.test(file) ? yield* cache.imports(file, parseImports) : []
      files[path.relative(root, file).split(path.sep).join("/")] = yield* cache.hash(file)
      for (const specifier of specifiers) {
        if (isLocal(specifier)) {
          const resolved = resolveLocal(file, specifier)
          if (resolved) queue.push(resolved)
          else files[`unresolved:${specifier}`] = "missing"
        } else if (!specifier.startsWith("node:") && !isBuiltin(specifier)) {
          const pkg = packageName(specifier)
          packages[pkg] = installedVersion(root, pkg)
        }
      }
    }
    return { files: sortRecord(files), packages: sortRecord(packages) }
  })

const sortRecord = <V>(r: Record<string, V>): Record<string, V> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/** A file URL for a path, for callers that hold paths. */
export const moduleUrlOf = (file: string): string => pathToFileURL(file).href
