import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { silentReporter } from "../../pipeline/progress.ts"
import { makeFixtureProject, runFixture, type FixtureProject } from "./fixture-project.ts"

/** Runs scale and shift, both heavy (worker processes), both ready at once, with two slots; returns whether they overlapped. */
const overlapped = async (project: FixtureProject, run: number): Promise<boolean> => {
  const running = new Set<string>()
  let overlap = false
  const reporter = {
    ...silentReporter,
    stageStart: (stage: string) => {
      if (process.env.DEBUG_HEAVY) console.error(new Date().toISOString(), "start", stage)
      running.add(stage)
      if (running.has("scale") && running.has("shift")) overlap = true
    },
    stageEnd: (stage: string) => {
      if (process.env.DEBUG_HEAVY) console.error(new Date().toISOString(), "end", stage)
      running.delete(stage)
    }
  }
  // a new offset and factor each run, so both stages run again
  const result = await runFixture(project, ["heavyShift=true", `scale.factor=${run + 2}`, `shift.offset=${run}`, "scale.sleepMs=1500"], { concurrency: 2, reporter })
  expect(result.record.stages.scale.outcome).toBe("ran")
  expect(result.record.stages.shift.outcome).toBe("ran")
  return overlap
}

describe("a pipeline's heavyConcurrency", () => {
  let project: FixtureProject
  beforeAll(() => {
    project = makeFixtureProject()
    project.edit("stages/scale.ts", (text) => text.replace('name: "scale", module: import.meta.url,', 'name: "scale", module: import.meta.url, heavy: true,'))
  })
  afterAll(() => project.cleanup())

  it("without it, two ready heavy stages share the two slots; with a limit of 1, they run one after the other", async () => {
    expect(await overlapped(project, 1)).toBe(true)
    project.edit("pipeline.ts", (text) => text.replace('defaultProfile: "default",', 'defaultProfile: "default", heavyConcurrency: () => 1,'))
    expect(await overlapped(project, 2)).toBe(false)
  }, 300_000)
})
