import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunRecord } from "../../pipeline/records.ts"
import { cliInProcess, makeFixtureProject, runFixture, spawnCli, type FixtureProject } from "./fixture-project.ts"

describe("two pipeline runs on one store at once", () => {
  let project: FixtureProject
  beforeAll(() => void (project = makeFixtureProject()))
  afterAll(() => project.cleanup())

  it("computes each shared stage once; the other run waits on its lock and reuses it", async () => {
    const sets = ["scale.sleepMs=3000"]
    // a separate process starts first; once it is inside the slow stage, this process runs the same DAG
    const other = spawnCli(project, ["run", ...sets.flatMap((s) => ["--set", s])])
    let seen = ""
    await new Promise<void>((resolve, reject) => {
      other.child.stdout.on("data", (d) => (seen += d) && seen.includes("[scale] running") && resolve())
      other.child.on("exit", () => reject(new Error(`the other run ended before scale started:\n${seen}`)))
    })
    const here = await runFixture(project, sets)
    const there = await other.done
    expect([there.code, there.stderr, here.record.ok]).toEqual([0, "", true])

    const runs = fs.readdirSync(path.join(project.store, "runs"))
      .map((f) => JSON.parse(fs.readFileSync(path.join(project.store, "runs", f), "utf8")) as RunRecord)
    expect(runs).toHaveLength(2)
    for (const stage of Object.keys(runs[0].stages)) {
      expect(runs.map((r) => r.stages[stage].outcome).sort(), stage).toEqual(["cached", "ran"])
      expect(runs[0].stages[stage].outputs).toEqual(runs[1].stages[stage].outputs)
    }
    expect(here.record.stages.scale.outcome).toBe("cached")
    expect(here.record.stages.scale.reasons).toEqual(["computed by a concurrent run"])
    expect((await cliInProcess(project, ["audit"])).code).toBe(0)
  })
})
