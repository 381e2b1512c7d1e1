/**
 * What a process is about to import, known before it imports it: the non-TypeScript modules
 * (effect, @effect/cli, ...) that the entry's static `.ts` import graph pulled in last time,
 * as Node resolved them then. Walks only files whose current source has a cache entry, so an
 * edited file (new key, no entry yet) ends the walk there; it never guesses.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { entryKey, isTypeScript, readImports } from "./transform-cache.mjs"

/** Resolved URLs of the dependencies statically reachable from `entryUrl` through cached .ts files. */
export const dependenciesOf = (entryUrl) => {
  const seen = new Set()
  const dependencies = new Set()
  const visit = (url) => {
    if (seen.has(url)) return
    seen.add(url)
    let source
    try {
      source = fs.readFileSync(fileURLToPath(url), "utf8")
    } catch {
      return
    }
    for (const target of Object.values(readImports(entryKey(url, source)) ?? {})) {
      if (isTypeScript(target)) visit(target)
      else if (target.startsWith("file:")) dependencies.add(target)
    }
  }
  visit(entryUrl)
  return [...dependencies]
}
