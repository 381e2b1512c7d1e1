import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { silentReporter } from "../../pipeline/progress.ts"
import { makeFixtureProject, runFixture, type FixtureProject } from "./fixture-project.ts"

describe("scheduling with fewer slots than ready stages", () => {
  let project: FixtureProject
  beforeAll(() => void (project = makeFixtureProject()))
  afterAll(() => project.cleanup())

  it("starts the stage whose chain took longest last time first", async () => {
    // scale and shift both wait on source; only shift leads to the slow stage "big" (about 1 s)
    const slowBig = ["big.bytes=10", "big.chunk=1", "big.delayMs=100"]
    await runFixture(project, slowBig)
    const started: Array<string> = []
    const reporter = { ...silentReporter, stageStart: (stage: string) => void started.push(stage) }
    const rerun = await runFixture(project, ["source.rows=60", ...slowBig], { concurrency: 1, reporter })
    expect(rerun.record.ok).toBe(true)
    expect(started.slice(0, 3)).toEqual(["source", "shift", "big"])
    expect(started).toContain("scale")
  })
})
