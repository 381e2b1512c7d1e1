/**
 * Module hooks that teach Node 20 to import `.ts` files, and nothing else.
 *
 * Why not tsx: tsx resolves and loads every module itself, node_modules included, which more
 * than doubles the import time of effect + @effect/cli. Here only `.ts` URLs are transformed
 * (esbuild, types stripped), everything else goes to Node's defaults, and import.meta.url stays
 * the real `.ts` URL, so code hashing and worker re-imports see the sources.
 * Each file's output is cached (transform-cache.mjs), so esbuild is not even started when
 * nothing changed; the static imports Node resolves for it are recorded for the preloader.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import {
  cacheDir, codeFile, entryKey, importsFile, isTypeScript, loadEsbuild, pruneOldEntries, readImports, staticSpecifiers,
  transformOptions, writeEntryFile
} from "./transform-cache.mjs"

/** url -> { key, wanted: static specifiers, resolved: recorded { specifier: url } } of loaded .ts files. */
const loaded = new Map()

let pruned
const transform = async (source, file) => {
  // the first transform of a process also tidies the cache, while esbuild starts
  const [esbuild] = await Promise.all([loadEsbuild(), (pruned ??= pruneOldEntries())])
  return (await esbuild.transform(source, { ...transformOptions, sourcefile: file })).code
}

const compile = async (url, source) => {
  const key = entryKey(url, source)
  if (!cacheDir) return { key, code: await transform(source, fileURLToPath(url)) }
  try {
    return { key, code: fs.readFileSync(codeFile(key), "utf8") }
  } catch {
    const code = await transform(source, fileURLToPath(url))
    writeEntryFile(codeFile(key), code)
    return { key, code }
  }
}

/** Records where a static import of a loaded .ts file resolved; rewrites the entry only on change. */
const record = (parentURL, specifier, url) => {
  const file = parentURL === undefined ? undefined : loaded.get(parentURL)
  if (!file || !cacheDir || !file.wanted.has(specifier) || file.resolved[specifier] === url) return
  file.resolved = { ...file.resolved, [specifier]: url }
  writeEntryFile(importsFile(file.key), JSON.stringify(file.resolved))
}

/** `./x.js` written for TypeScript's sake falls back to `./x.ts` (TypeScript's ESM convention, and code-hash's). */
export async function resolve(specifier, context, nextResolve) {
  let result
  try {
    result = await nextResolve(specifier, context)
  } catch (error) {
    const fromTs = context.parentURL !== undefined && isTypeScript(context.parentURL)
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !fromTs || !/^\.{1,2}\/.*\.m?js$/.test(specifier)) throw error
    result = await nextResolve(specifier.replace(/js$/, "ts"), context)
  }
  record(context.parentURL, specifier, result.url)
  return result
}

export async function load(url, context, nextLoad) {
  if (!isTypeScript(url)) return nextLoad(url, context)
  const { key, code } = await compile(url, fs.readFileSync(fileURLToPath(url), "utf8"))
  loaded.set(url, { key, wanted: staticSpecifiers(code), resolved: readImports(key) ?? {} })
  return { format: "module", source: code, shortCircuit: true }
}
