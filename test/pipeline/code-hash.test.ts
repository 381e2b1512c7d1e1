import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
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
  'export * from "./lib/reexported.ts"',
  'export const run = async () => (await import("./lib/lazy.ts")).heavy()'
].join("\n"))
write("lib/reexported.ts", 'import * as Schema from "effect/Schema"\nexport const S = Schema.String\n')
write("lib/lazy.ts", 'export const heavy = async () => import("@tensorflow/tfjs-core")\nimport { x } from "./deep/leaf.ts"\n')
write("lib/deep/leaf.ts", "export const x = 1\n")
write("lib/unused.ts", "export const y = 2\n")

describe("code fingerprint", () => {
  const cacheFile = path.join(dir, "stat.json")

  it("walks static, re-exported and dynamic local imports and records package versions", async () => {
    const cache = openStatCache(cacheFile)
    const code = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), cache))
    expect(Object.keys(code.files)).toEqual(["lib/deep/leaf.ts", "lib/lazy.ts", "lib/reexported.ts", "stage.ts"])
    const version = (pkg: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")).version
    expect(code.packages).toEqual({
      "@tensorflow/tfjs-core": version("@tensorflow/tfjs-core"),
      "apache-arrow": version("apache-arrow"),
      effect: version("effect")
    })
    await Effect.runPromise(cache.save)
  })

  it("re-reads nothing when no file changed, and exactly the changed file otherwise", async () => {
    const warm = openStatCache(cacheFile)
    const before = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), warm))
    expect(warm.stats.reads).toBe(0)
    write("lib/deep/leaf.ts", "export const x = 2\n")
    const after = await Effect.runPromise(codeFingerprint(path.join(dir, "stage.ts"), warm))
    expect(warm.stats.reads).toBe(1)
    expect(after.files["lib/deep/leaf.ts"]).not.toBe(before.files["lib/deep/leaf.ts"])
    expect({ ...after.files, "lib/deep/leaf.ts": "" }).toEqual({ ...before.files, "lib/deep/leaf.ts": "" })
  })
})
