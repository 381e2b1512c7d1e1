/**
 * The layout is the architecture: each top-level folder is one layer and imports only the layers
 * below it (docs/ARCHITECTURE.md, "Layers"). This reads every import of every source file (static,
 * dynamic, type-only, and files loaded by `new URL("./x.ts", import.meta.url)`) with TypeScript's own
 * import scanner, and fails on an upward import, a cycle between folders, or a cycle between modules.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")

/** Bottom to top: a folder may import its own files and the folders before it. bench/ and test/ sit above all. */
const layers = ["pipeline", "schemas", "data", "ml", "report", "stages"] as const

const sourceFiles = (folder: string): Array<string> =>
  fs.readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts") && !e.name.endsWith(".d.mts"))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))

/** Project-relative paths of the project files `file` imports (packages and node: builtins left out). */
export const importsOf = (file: string): Array<string> => {
  const text = fs.readFileSync(path.join(root, file), "utf8")
  const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
  for (const m of text.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+\.[a-z]+)["']\s*,\s*import\.meta\.url\s*\)/g)) specifiers.push(m[1])
  return specifiers
    .filter((s) => s.startsWith("./") || s.startsWith("../"))
    .map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)))
}

const folderOf = (file: string): string => file.split(path.sep)[0]

/** Strongly connected components of more than one node (Tarjan): the import cycles. */
const cycles = (graph: ReadonlyMap<string, ReadonlyArray<string>>): Array<Array<string>> => {
  let next = 0
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: Array<string> = [], onStack = new Set<string>()
  const found: Array<Array<string>> = []
  const visit = (v: string) => {
    index.set(v, next), low.set(v, next), next++, stack.push(v), onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!))
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do (w = stack.pop()!), onStack.delete(w), component.push(w)
      while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

const files = layers.flatMap(sourceFiles)
const imports = new Map(files.map((f) => [f, importsOf(f)]))

describe("import direction", () => {
  it("finds the imports it checks (static, dynamic, type-only, new URL)", () => {
    expect(imports.get(path.join("stages", "pretrain.ts"))).toEqual(expect.arrayContaining([
      path.join("pipeline", "stage.ts"), // static
      path.join("ml", "pretrain.ts"), // dynamic
      path.join("schemas", "config.ts") // type-only
    ]))
    expect(imports.get(path.join("data", "synthetic.ts"))).toContain(path.join("data", "synthetic-worker.ts")) // new URL
  })

  it("each folder imports only its own layer and the layers below it", () => {
    const upward = [...imports].flatMap(([file, targets]) => {
      const rank = layers.indexOf(folderOf(file) as (typeof layers)[number])
      return targets
        .filter((t) => {
          const target = layers.indexOf(folderOf(t) as (typeof layers)[number])
          return target === -1 || target > rank // bench/, test/ or a higher layer
        })
        .map((t) => `${file} -> ${t}`)
    })
    expect(upward, `upward imports (allowed: ${layers.join(" < ")})`).toEqual([])
  })

  it("no cycle between folders, and none between modules", () => {
    const folders = new Map<string, Set<string>>()
    for (const [file, targets] of imports)
      for (const t of targets) if (folderOf(t) !== folderOf(file)) folders.set(folderOf(file), (folders.get(folderOf(file)) ?? new Set()).add(folderOf(t)))
    expect(cycles(new Map([...folders].map(([f, to]) => [f, [...to]])))).toEqual([])
    expect(cycles(imports)).toEqual([])
  })

  it("the cycle finder finds cycles", () => {
    const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]])
    expect(cycles(graph)).toEqual([["a", "b", "c"]])
  })
})
