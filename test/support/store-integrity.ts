/**
 * A whole-store check after a crash, independent of the runner's own code: every object's bytes hash
 * to its name, and every index entry (and HEAD) points at objects that exist. Returns the problems.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

const filesUnder = (dir: string): Array<string> =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    : []

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex")

export const storeProblems = (store: string): Array<string> => {
  const problems: Array<string> = []
  const objects = filesUnder(path.join(store, "objects"))
  for (const object of objects) {
    if (sha256(object) !== path.basename(object)) problems.push(`partial or corrupted object ${path.relative(store, object)}`)
  }
  for (const entryFile of filesUnder(path.join(store, "index"))) {
    let entry: { outputs?: Record<string, { hash: string }> }
    try {
      entry = JSON.parse(fs.readFileSync(entryFile, "utf8"))
    } catch {
      problems.push(`unreadable index entry ${path.relative(store, entryFile)}`)
      continue
    }
    for (const [name, out] of Object.entries(entry.outputs ?? {})) {
      if (!fs.existsSync(path.join(store, "objects", out.hash.slice(0, 2), out.hash))) {
        problems.push(`${path.relative(store, entryFile)}: output ${name} points at missing object ${out.hash.slice(0, 12)}`)
      }
    }
  }
  return problems
}

/** Number of objects in the store (what a fault-injection report counts as checked). */
export const objectCount = (store: string): number => filesUnder(path.join(store, "objects")).length
