/** The `.ts`-only loader behind `pnpm pipeline` and worker processes: semantics, cache, preload list. */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { sharedTempDir } from "../support/temp-dir.ts"
import { repoRoot } from "./fixture-sources.ts"

const register = pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/register.mjs")).href
const dir = sharedTempDir("ts-loader-")
const cache = path.join(dir, "cache")
const files: Record<string, string> = {
  "package.json": JSON.stringify({ type: "module" }),
  "lib/shape.ts": `export class Box { readonly kind = "box"; constructor(readonly size: number) {} }\n`,
  "lib/names.ts": `export type Name = string\nexport const label = (n: Name): string => "<" + n + ">"\n`,
  "main.ts": [
    `import * as Data from "effect/Data"`,
    `import { Box } from "./lib/shape.ts"`,
    `import { label, type Name } from "./lib/names.js"`,
    `const lazy = () => import("effect/Duration")`,
    `const name: Name = "x"`,
    `void lazy`,
    `console.log(JSON.stringify({ url: import.meta.url, box: new Box(3), label: label(name), data: typeof Data.struct }))`
  ].join("\n")
}
for (const [rel, text] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
  fs.writeFileSync(path.join(dir, rel), text)
}
fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"))

const runMain = () => {
  const r = spawnSync(process.execPath, ["--import", register, "main.ts"], {
    cwd: dir, encoding: "utf8", env: { ...process.env, SEED_TS_CACHE: cache }
  })
  expect(r.stderr).toBe("")
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout)
}

const preloadList = (): Array<string> => {
  const script = `import { dependenciesOf } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/preload.mjs")).href)}
console.log(JSON.stringify(dependenciesOf(${JSON.stringify(pathToFileURL(path.join(dir, "main.ts")).href)})))`
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, SEED_TS_CACHE: cache } })
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout)
}

describe("the .ts loader", () => {
  it("runs TypeScript with real .ts URLs, class fields, .js -> .ts and type-only imports, and caches the output", () => {
    const out = runMain()
    expect(out).toEqual({ url: pathToFileURL(path.join(dir, "main.ts")).href, box: { kind: "box", size: 3 }, label: "<x>", data: "function" })
    const entries = fs.readdirSync(cache)
    expect(entries.filter((f) => f.endsWith(".mjs"))).toHaveLength(3)
    // a second process reads the cache and gives the same answer
    expect(runMain()).toEqual(out)
    expect(fs.readdirSync(cache).sort()).toEqual(entries.sort())
  }, 30_000)

  it("preloads exactly the static dependencies, never what is imported dynamically", () => {
    runMain()
    const deps = preloadList().map((u) => u.replace(/^.*node_modules\//, ""))
    expect(deps).toEqual(["effect/dist/esm/Data.js"])
  }, 30_000)

  it("forgets an edited file's imports until it has been loaded again", () => {
    runMain()
    fs.appendFileSync(path.join(dir, "main.ts"), `\nimport "effect/Duration"\n`)
    expect(preloadList()).toEqual([])
    runMain()
    expect(preloadList().map((u) => u.replace(/^.*node_modules\//, "")).sort()).toEqual(["effect/dist/esm/Data.js", "effect/dist/esm/Duration.js"])
  }, 30_000)

  it("drops entries unused for over a week when it has to transform something", () => {
    runMain()
    const stale = path.join(cache, "0".repeat(64) + ".mjs")
    fs.writeFileSync(stale, "export {}\n")
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000)
    fs.utimesSync(stale, monthAgo, monthAgo)
    runMain()
    expect(fs.existsSync(stale)).toBe(true)
    fs.appendFileSync(path.join(dir, "lib/shape.ts"), "\nexport const edited = true\n")
    runMain()
    expect(fs.existsSync(stale)).toBe(false)
  }, 30_000)

  it("never executes from a cache folder that another user owns or that others can write", () => {
    const run = (cacheDir: string) => spawnSync(process.execPath, ["--import", register, "main.ts"], {
      cwd: dir, encoding: "utf8", env: { ...process.env, SEED_TS_CACHE: cacheDir }
    })
    const open = path.join(dir, "world-writable")
    fs.mkdirSync(open)
    fs.chmodSync(open, 0o777)
    const r = run(open)
    expect(r.status).toBe(0)
    expect(r.stderr).toContain(`not caching compiled TypeScript in ${open}: it is writable by its group or by others (mode 777)`)
    expect(fs.readdirSync(open)).toEqual([])
    if (process.getuid?.() === 0) {
      const foreign = path.join(dir, "foreign")
      fs.mkdirSync(foreign, { mode: 0o700 })
      fs.chownSync(foreign, 4242, 4242)
      const f = run(foreign)
      expect(f.status).toBe(0)
      expect(f.stderr).toContain("is owned by uid 4242, not by this user")
      expect(fs.readdirSync(foreign)).toEqual([])
    }
    // a folder it creates is private
    const fresh = path.join(dir, "fresh-cache")
    expect(run(fresh).status).toBe(0)
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700)
  }, 30_000)
})
