/**
 * The code part of a fingerprint: the stage module plus every project-local module it runs
 * (static imports, re-exports, dynamic `import("./x.ts")`, and files it loads as
 * `new URL("./x.ts", import.meta.url)`, such as worker entries), each by project-relative path,
 * and the installed version of each npm package that closure imports.
 *
 * A TypeScript module is keyed by its compiled form (the loader's esbuild output: no comments,
 * formatting or types), and its imports are read from that output, so a comment, a reformat or a
 * type-only import reruns nothing. Other files are keyed by their bytes.
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { createRequire, isBuiltin } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { storeError, type StoreError } from "./errors.ts"
import type { StatCache } from "./stat-cache.ts"
import { compiledCode, compilerTag, isTypeScript } from "./ts-loader/transform-cache.mjs"

export interface CodeFingerprint {
  /** Project-relative path -> sha256 of the file, sorted by path. */
  readonly files: Readonly<Record<string, string>>
  /** npm package -> installed version (from node_modules/<pkg>/package.json). */
  readonly packages: Readonly<Record<string, string>>
}

/** What a code file contributes: the hash of what runs, and the files and packages it reaches. */
interface CodeFacts {
  readonly hash: string
  /** Specifiers of static, re-exported, dynamic-literal and `require` imports. */
  readonly imports: ReadonlyArray<string>
  /** Relative URLs of `new URL("<url>", import.meta.url)`: files the module loads by location. */
  readonly urls: ReadonlyArray<string>
}

/** Bump when what `analyzeCode` derives changes: cached facts under another version are recomputed. */
const ANALYSIS_VERSION = "2"
const analysisTag = `${ANALYSIS_VERSION}/${compilerTag}`

// TypeScript's parser is only loaded when a code file changed since the last run (stat-cache miss).
let tsModule: typeof import("typescript") | undefined

const isStringLiteral = (ts: typeof import("typescript"), node: import("typescript").Node | undefined): node is import("typescript").StringLiteralLike =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))

const isImportMetaUrl = (ts: typeof import("typescript"), node: import("typescript").Node | undefined): boolean =>
  node !== undefined && ts.isPropertyAccessExpression(node) && node.name.text === "url" &&
  ts.isMetaProperty(node.expression) && node.expression.keywordToken === ts.SyntaxKind.ImportKeyword

/** Imports and `new URL(..., import.meta.url)` references of a JavaScript module's syntax tree. */
const referencesOf = (code: string, file: string): Pick<CodeFacts, "imports" | "urls"> => {
  const ts = (tsModule ??= createRequire(import.meta.url)("typescript") as typeof import("typescript"))
  const imports: Array<string> = []
  const urls: Array<string> = []
  const visit = (node: import("typescript").Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && isStringLiteral(ts, node.moduleSpecifier)) {
      imports.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && isStringLiteral(ts, node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) {
      imports.push(node.arguments[0].text)
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "URL" &&
      isStringLiteral(ts, node.arguments?.[0]) && isImportMetaUrl(ts, node.arguments?.[1])) {
      urls.push(node.arguments![0].text)
    }
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(file, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS))
  return { imports: [...new Set(imports)], urls: [...new Set(urls)] }
}

/** A TypeScript file is compiled first (what runs); a JavaScript file runs as written. */
const analyzeCode = (file: string) => async (source: Buffer): Promise<CodeFacts> => {
  const code = isTypeScript(pathToFileURL(file).href) ? await compiledCode(source.toString("utf8"), file) : source.toString("utf8")
  return { hash: createHash("sha256").update(code).digest("hex"), ...referencesOf(code, file) }
}

/**
 * The `.ts` loader is how code runs, not what runs (like Node itself): a worker started through it
 * (`tsWorker`) does not put the loader's files in its stage's key; the compiled form it yields is.
 */
const loaderDir = fileURLToPath(new URL("./ts-loader/", import.meta.url))

const isCode = (file: string): boolean => /\.(m|c)?[jt]sx?$/.test(file)

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

const isFile = (file: string): boolean => fs.statSync(file, { throwIfNoEntry: false })?.isFile() === true

// Where a specifier resolved, per importing folder: the same edges recur in every stage's closure of a plan.
const resolved = new Map<string, string | undefined>()

/** Resolves a local specifier the way the loader does (`.ts` carried, `.js` -> `.ts`). */
const resolveLocal = (fromFile: string, specifier: string): string | undefined => {
  const key = `${path.dirname(fromFile)}\0${specifier}`
  if (resolved.has(key)) return resolved.get(key)
  const base = specifier.startsWith("file:") ? fileURLToPath(specifier) : path.resolve(path.dirname(fromFile), specifier)
  const found = [base, base.replace(/\.(m?)js$/, ".$1ts"), `${base}.ts`, path.join(base, "index.ts")].find(isFile)
  // only a hit is remembered: a file created later is still found
  if (found !== undefined) resolved.set(key, found)
  return found
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
      const rel = path.relative(root, file).split(path.sep).join("/")
      if (!isCode(file)) {
        files[rel] = yield* cache.hash(file)
        continue
      }
      const facts = yield* cache.derive(file, analysisTag, analyzeCode(file)).pipe(
        Effect.mapError((e) => (isFile(file) ? e : storeError("stage module closure")(new Error(`${file} does not exist`))))
      )
      files[rel] = facts.hash
      for (const url of facts.urls) {
        // a file loaded by location is part of what runs, whatever it is (a worker entry, a .wasm)
        if (!url.startsWith(".") && !url.startsWith("/")) continue
        const target = fileURLToPath(new URL(url, pathToFileURL(file)))
        if (target.startsWith(loaderDir)) continue
        if (!fs.existsSync(target)) files[`unresolved:${url}`] = "missing"
        else if (fs.statSync(target).isFile()) queue.push(target) // a folder (a base URL) is not code
      }
      for (const specifier of facts.imports) {
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
