/**
 * `node launch.mjs entry.ts args...`: runs a TypeScript entry (the CLI) from its cached bundle
 * (bundle-cache.mjs), building it first when a file it depends on changed. If the bundle cannot be
 * built (a syntax error, no writable cache folder) or SEED_BUNDLE=0, the entry runs through the
 * loader instead (register.mjs), which reports errors against the sources.
 * Either way the program sees `process.argv` as `node entry.ts args...`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const [entryArg, ...args] = process.argv.slice(2)
if (entryArg === undefined) {
  console.error("usage: node launch.mjs <entry.ts> [args...]")
  process.exit(2)
}
const entry = fs.realpathSync(path.resolve(entryArg))
process.argv = [process.argv[0], entry, ...args]

const bundled = async () => {
  if (process.env.SEED_BUNDLE === "0") return undefined
  const { buildBundle, freshBundle, pruneOldBundles } = await import("./bundle-cache.mjs")
  try {
    const fresh = freshBundle(entry)
    if (fresh !== undefined) return fresh
    const built = await buildBundle(entry)
    pruneOldBundles()
    return built
  } catch {
    return undefined // the loader reports whatever stopped the build (or the check), against the sources
  }
}

const main = await bundled()
if (main !== undefined) {
  // heavy stages' worker processes start on this same file (pipeline/worker-process.ts)
  globalThis[Symbol.for("seed.bundleMain")] = main
  await import(pathToFileURL(main).href)
} else {
  await import("./register.mjs")
  await import(pathToFileURL(entry).href)
}
