import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { codeFingerprint } from "../../pipeline/code-hash.ts"
import { openStatCache } from "../../pipeline/stat-cache.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { repoRoot } from "./fixture-sources.ts"

const dir = sharedTempDir("code-hash-")
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
  fs.writeFileSync(path.join(dir, rel), text)
}
write("package.json", "{}")
fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"))
write("stage.ts", [
  'import * as fs from "node:fs"',
  'import type { Table } from "apache-arrow"',
  'import { type Shape, unit } from "./lib/types-and-values.ts"',
  'import type { OnlyTypes } from "./lib/only-types.ts"',
  'export * from "./lib/reexported.ts"',
  'export const run = async (t?: Table, s?: Shape, o?: OnlyTypes) => (await import("./lib/lazy.ts")).heavy()',
  'export const worker = new URL("./lib/worker.ts", import.meta.url)',
  'export const base = new URL("./lib/", import.meta.url) // a folder: not code, not followed',
  'export const u = unit'
].join("\n"))
write("lib/types-and-values.ts", "export interface Shape { readonly side: number }\nexport const unit = 1\n")
write("lib/only-types.ts", "export type OnlyTypes = { readonly a: string }\n")
write("lib/worker.ts", 'import { x } from "./deep/leaf.ts"\nexport const w = x\n')
write("lib/reexported.ts", 'import * as Schema from "effect/Schema"\nexport const S = Schema.String\n')
write("lib/lazy.ts", 'export const heavy = async () => import("@tensorflow/tfjs-core")\nimport { x } from "./deep/leaf.ts"\n')
write("lib/deep/leaf.ts", "export const x = 1\n")
write("lib/unused.ts", "export const y = 2\n")

describe("code fingerprint", () => {
  const cacheFile = path.join(dir, "stat.json")

  it("walks static, re-exported and dynamic local imports and records package versions", async () => {
    const cache = Effect.runSync(openStatCache(cacheFile))
    const code = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), cache))
    // a type-only import (only-types.ts, apache-arrow) is not part of what runs; a worker loaded by URL is
    expect(Object.keys(code.files)).toEqual(["lib/deep/leaf.ts", "lib/lazy.ts", "lib/reexported.ts", "lib/types-and-values.ts", "lib/worker.ts", "stage.ts"])
    const version = (pkg: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")).version
    expect(code.packages).toEqual({
      "@tensorflow/tfjs-core": version("@tensorflow/tfjs-core"),
      effect: version("effect")
    })
    await Effect.runPromise(cache.save)
  })

  it("re-reads nothing when no file changed, and exactly the changed file otherwise", async () => {
    const warm = Effect.runSync(openStatCache(cacheFile))
    const before = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), warm))
    expect(warm.stats.reads).toBe(0)
    write("lib/deep/leaf.ts", "export const x = 2\n")
    const after = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), warm))
    expect(warm.stats.reads).toBe(1)
    expect(after.files["lib/deep/leaf.ts"]).not.toBe(before.files["lib/deep/leaf.ts"])
    expect({ ...after.files, "lib/deep/leaf.ts": "" }).toEqual({ ...before.files, "lib/deep/leaf.ts": "" })
  })
})

describe("code keys follow the compiled form", () => {
  const key = async (file: string) => (await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), Effect.runSync(openStatCache(undefined))))).files[file]

  it("a comment, a reformat or a type-only edit leaves the key unchanged", async () => {
    const before = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), Effect.runSync(openStatCache(undefined))))
    write("lib/types-and-values.ts", [
      "/** A shape: now with a doc comment, a new field and a new type. */",
      "export interface Shape { readonly side: number; readonly depth?: number }",
      "export type Unit = 1",
      "",
      "export const unit: Unit =   1 // reformatted, annotated",
      ""
    ].join("\n"))
    write("lib/only-types.ts", "export type OnlyTypes = { readonly a: string; readonly b: number }\n")
    write("stage.ts", `// a leading comment\n${fs.readFileSync(path.join(dir, "stage.ts"), "utf8")}`)
    const after = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), Effect.runSync(openStatCache(undefined))))
    expect(after).toEqual(before)
  })

  it("a change to what runs changes the key of exactly that file", async () => {
    const before = await key("lib/types-and-values.ts")
    const stageBefore = await key("stage.ts")
    write("lib/types-and-values.ts", "export interface Shape { readonly side: number }\nexport const unit = 2\n")
    expect(await key("lib/types-and-values.ts")).not.toBe(before)
    expect(await key("stage.ts")).toBe(stageBefore)
  })

  it("an edit to a worker loaded by URL changes the closure's key", async () => {
    const before = await key("lib/worker.ts")
    write("lib/worker.ts", 'import { x } from "./deep/leaf.ts"\nexport const w = x + 1\n')
    expect(await key("lib/worker.ts")).not.toBe(before)
  })

  it("hashes the code the loader runs: its cached output without the source map", async () => {
    const cacheDir = path.join(dir, "ts-cache")
    const script = path.join(dir, "stage.ts")
    const r = spawnSync(process.execPath, ["--import", pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/register.mjs")).href, "-e",
      `await import(${JSON.stringify(pathToFileURL(script).href)})`], { cwd: dir, encoding: "utf8", env: { ...process.env, SEED_TS_CACHE: cacheDir } })
    expect(r.status, r.stderr).toBe(0)
    const ran = fs.readdirSync(cacheDir).filter((f) => f.endsWith(".mjs"))
      .map((f) => fs.readFileSync(path.join(cacheDir, f), "utf8").replace(/\/\/# sourceMappingURL=.*\n?$/, ""))
      .map((code) => createHash("sha256").update(code).digest("hex"))
    expect(ran).toContain(await key("stage.ts"))
    expect(ran).toContain(await key("lib/types-and-values.ts"))
  }, 30_000)
})
