import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeFixtureProject, runFixture, spawnCli, withOutcome, type FixtureProject } from "./fixture-project.ts"

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex")
const walk = (dir: string): Array<string> =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]) : []

/** Size of the partial "blob" output somewhere under the store's tmp/ (0 if not there yet). */
const partialBlobSize = (store: string) =>
  walk(path.join(store, "tmp")).filter((f) => f.endsWith("/out/blob")).reduce((n, f) => n + fs.statSync(f).size, 0)

describe("a run killed with SIGKILL mid-write", () => {
  let project: FixtureProject
  beforeAll(() => void (project = makeFixtureProject()))
  afterAll(() => project.cleanup())

  it("leaves no partial artifact looking complete, and the next run resumes", async () => {
    const slow = `big={"bytes":64000000,"chunk":1000000,"delayMs":60}`
    const { child, done } = spawnCli(project, ["run", "--set", slow])
    const deadline = Date.now() + 45_000
    while (partialBlobSize(project.store) < 3_000_000) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw big writing: ${(await done).stdout}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    child.kill("SIGKILL")
    const killed = await done
    expect(killed.code).toBeNull()
    expect(partialBlobSize(project.store)).toBeGreaterThan(0) // the partial write is really there, in tmp/

    // every object is whole (its bytes hash to its name); no index entry for big; entries point at present objects
    for (const object of walk(path.join(project.store, "objects"))) expect(sha256(object)).toBe(path.basename(object))
    expect(fs.existsSync(path.join(project.store, "index", "big"))).toBe(false)
    for (const entryFile of walk(path.join(project.store, "index"))) {
      const entry = JSON.parse(fs.readFileSync(entryFile, "utf8"))
      for (const out of Object.values(entry.outputs) as Array<{ hash: string }>) {
        expect(fs.existsSync(path.join(project.store, "objects", out.hash.slice(0, 2), out.hash))).toBe(true)
      }
    }
    expect(fs.readdirSync(path.join(project.store, "runs"))).toEqual([]) // the killed run never finished

    const resumed = await runFixture(project, [`big={"bytes":8000000,"chunk":1000000,"delayMs":0}`])
    expect(resumed.record.ok).toBe(true)
    expect(resumed.outcomes.source).toBe("cached")
    expect(resumed.outcomes.shift).toBe("cached")
    expect(withOutcome(resumed, "ran")).toContain("big")
    expect(partialBlobSize(project.store)).toBe(0) // the dead run's temp dir was cleaned up
  })
})
