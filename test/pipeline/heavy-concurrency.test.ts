import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { silentReporter } from "../../pipeline/progress.ts"
import { makeFixtureProject, makeScaleHeavy, runFixture, type FixtureProject } from "./fixture-project.ts"

/** Runs scale and shift, both heavy (worker processes), both ready at once, with two slots; returns whether they overlapped. */
const overlapped = async (project: FixtureProject, run: number, sets: ReadonlyArray<string> = []): Promise<boolean> => {
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
  const result = await runFixture(project, ["heavyShift=true", `scale.factor=${run + 2}`, `shift.offset=${run}`, "scale.sleepMs=1500", ...sets], { concurrency: 2, reporter })
  expect(result.record.stages.scale.outcome).toBe("ran")
  expect(result.record.stages.shift.outcome).toBe("ran")
  return overlap
}

describe("a pipeline's heavyConcurrency", () => {
  let project: FixtureProject
  beforeAll(() => {
    project = makeFixtureProject()
    makeScaleHeavy(project)
    // the limit comes from the config (the definition module is imported once per test process)
    project.edit("pipeline.ts", (text) =>
      text
        .replace("notes: Schema.optional(Schema.String)", "notes: Schema.optional(Schema.String), heavyLimit: Schema.optional(Schema.Int)")
        .replace('defaultProfile: "default",', 'defaultProfile: "default", heavyConcurrency: (c: any) => c.heavyLimit ?? 2,'))
  })
  afterAll(() => project.cleanup())

  it("two ready heavy stages share two slots, but run one after the other when it says 1", async () => {
    expect(await overlapped(project, 1)).toBe(true)
    expect(await overlapped(project, 2, ["heavyLimit=1"])).toBe(false)
  }, 300_000)
})
