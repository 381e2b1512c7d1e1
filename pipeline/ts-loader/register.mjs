/**
 * `node --import <this file> entry.ts`: runs a TypeScript entry with the `.ts`-only hooks. The one
 * TypeScript loader of the project: the CLI, the benches, worker processes and worker threads
 * (`tsWorker` in ./worker-thread.ts) all start through it.
 *
 * Node 20 runs module hooks on a separate thread and asks it about every module, node_modules
 * included (~1 ms per module, ~700 modules for effect + @effect/cli). So the dependencies the
 * entry statically imported last time are imported first, before the hooks exist, at Node's own
 * speed; only the project's `.ts` files then go through the hooks. The preload is best-effort:
 * a failure here is left for the real import to report.
 */
import * as fs from "node:fs"
import { register } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { isMainThread } from "node:worker_threads"
import { dependenciesOf } from "./preload.mjs"

/** The main module's URL as Node will load it (symlinks resolved), or undefined if it is not a .ts file. */
const entryUrl = (entry) => {
  if (entry === undefined || !/\.m?ts$/.test(entry)) return undefined
  try {
    return pathToFileURL(fs.realpathSync(path.resolve(entry))).href
  } catch {
    return undefined // missing: Node reports it when it loads the entry
  }
}

// a worker thread inherits the parent's argv, not its entry: it preloads nothing
const entry = isMainThread ? entryUrl(process.argv[1]) : undefined
if (entry !== undefined) await Promise.allSettled(dependenciesOf(entry).map((url) => import(url)))

process.setSourceMapsEnabled(true)
register("./hooks.mjs", import.meta.url)
