/** The launcher behind `pnpm pipeline`: the entry runs from a cached bundle that follows every edit, else through the loader. */
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { repoRoot } from "./fixture-sources.ts"
import { bundlesDir as bundles, launcher, removeBundlesOf } from "../support/bundles.ts"

// inside the project (git-ignored .tmp/): a bundle is only made of project files, whose packages resolve from its node_modules
const dir = path.join(repoRoot, ".tmp", `launcher-${randomBytes(4).toString("hex")}`)
const entry = path.join(dir, "main.ts")

const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
  fs.writeFileSync(path.join(dir, rel), text)
}

write("dep.ts", `export const value: number = 1\nexport const depUrl = import.meta.url\n`)
// a whole-second time, so the edit below can put it back exactly
const depTime = new Date("2026-01-01T00:00:00Z")
fs.utimesSync(path.join(dir, "dep.ts"), depTime, depTime)
write("helper.ts", `export const helper = "ts"\n`)
write("main.ts", [
  `import * as Effect from "effect/Effect"`,
  `import { depUrl, value } from "./dep.ts"`,
  `import { helper } from "./helper.js"`,
  `const bundled = (new Error().stack ?? "").includes("seed-bundles")`,
  `console.log(JSON.stringify({ argv: process.argv.slice(1), url: import.meta.url, depUrl, value: Effect.runSync(Effect.succeed(value)), helper, bundled }))`
].join("\n"))

/** The entry's manifest file and the build it names now. */
const currentManifest = (): { file: string; build: string } | undefined => {
  for (const name of fs.readdirSync(bundles).filter((f) => f.endsWith(".json"))) {
    const manifest = JSON.parse(fs.readFileSync(path.join(bundles, name), "utf8"))
    if (manifest.entry === entry) return { file: path.join(bundles, name), build: manifest.build }
  }
  return undefined
}
const currentBuild = () => currentManifest()?.build

const launch = (env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [launcher, path.relative(repoRoot, entry), "a", "--b"], {
    cwd: repoRoot, encoding: "utf8", env: { ...process.env, ...env }
  })
  return { status: r.status, stderr: r.stderr, out: r.status === 0 ? JSON.parse(r.stdout) : undefined }
}

afterAll(() => {
  removeBundlesOf(entry)
  fs.rmSync(dir, { recursive: true, force: true })
})

describe("the bundle launcher", () => {
  it("runs the entry as `node entry.ts args`, with each module's own import.meta.url, and reuses the bundle", () => {
    const first = launch()
    expect(first.stderr).toBe("")
    expect(first.out).toEqual({
      argv: [entry, "a", "--b"], url: pathToFileURL(entry).href, depUrl: pathToFileURL(path.join(dir, "dep.ts")).href,
      value: 1, helper: "ts", bundled: true
    })
    const build = currentBuild()
    expect(build).toBeDefined()
    expect(launch().out).toEqual(first.out)
    expect(currentBuild()).toBe(build)
  }, 60_000)

  it("sees an edit that keeps the file's size and modification time", () => {
    const file = path.join(dir, "dep.ts")
    const before = fs.statSync(file)
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("= 1", "= 2"))
    fs.utimesSync(file, depTime, depTime)
    expect([fs.statSync(file).size, fs.statSync(file).mtimeMs]).toEqual([before.size, before.mtimeMs])
    expect(launch().out).toMatchObject({ value: 2, bundled: true })
  }, 60_000)

  it("rebuilds when a file added next to an input changes how an import resolves", () => {
    // `./helper.js` meant helper.ts while no helper.js existed (the loader's rule); now it is the .js
    write("helper.js", `export const helper = "js"\n`)
    expect(launch().out).toMatchObject({ helper: "js", bundled: true })
    expect(launch({ SEED_BUNDLE: "0" }).out).toMatchObject({ helper: "js", bundled: false })
    fs.rmSync(path.join(dir, "helper.js"))
    expect(launch().out).toMatchObject({ helper: "ts", bundled: true })
  }, 60_000)

  it("rebuilds over a manifest that does not parse", () => {
    const { file, build } = currentManifest()!
    fs.writeFileSync(file, `{"entry": ${JSON.stringify(entry)}, "files": 3`)
    expect(launch().out).toMatchObject({ value: 2, bundled: true })
    expect(currentBuild()).toBe(build)
  }, 60_000)

  it("runs through the loader when SEED_BUNDLE=0, with the same result", () => {
    const viaLoader = launch({ SEED_BUNDLE: "0" })
    expect(viaLoader.out).toEqual({ ...launch().out, bundled: false })
  }, 60_000)

  it("falls back to the loader when the bundle cannot be built, so the error names the source", () => {
    const file = path.join(dir, "dep.ts")
    const good = fs.readFileSync(file, "utf8")
    fs.writeFileSync(file, "export const value: number = (\n")
    try {
      const broken = launch()
      expect(broken.status).not.toBe(0)
      expect(broken.stderr).toContain(file)
    } finally {
      fs.writeFileSync(file, good)
    }
    expect(launch().out).toMatchObject({ value: 2, bundled: true })
  }, 60_000)
})
