import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeFixtureProject, runFixture, type FixtureProject } from "./fixture-project.ts"

describe("a stage's checkpoint dir", () => {
  let project: FixtureProject
  beforeAll(() => void (project = makeFixtureProject()))
  afterAll(() => project.cleanup())
  const scaleCheckpoints = () => path.join(project.store, "checkpoints", "scale")

  it("survives a failed attempt, is found by the rerun with the same fingerprint, and goes once the stage commits", async () => {
    process.env.FIXTURE_FAIL_SCALE = "1"
    const failed = await runFixture(project).finally(() => delete process.env.FIXTURE_FAIL_SCALE)
    expect(failed.outcomes.scale).toBe("failed")
    const [fingerprint] = fs.readdirSync(scaleCheckpoints())
    expect(fs.readFileSync(path.join(scaleCheckpoints(), fingerprint, "attempts"), "utf8")).toBe("1")

    const resumed = await runFixture(project)
    expect(resumed.outcomes.scale).toBe("ran")
    const head = JSON.parse(fs.readFileSync(path.join(project.store, "index", "scale", "HEAD.json"), "utf8"))
    expect(head.fingerprint).toBe(fingerprint)
    expect(head.provenance.attempt).toBe(2)
    expect(fs.existsSync(scaleCheckpoints())).toBe(false)
  })

  it("is not shared across fingerprints: another config starts fresh and leaves the first one's in place", async () => {
    process.env.FIXTURE_FAIL_SCALE = "1"
    await runFixture(project, ["scale.factor=5"]).finally(() => delete process.env.FIXTURE_FAIL_SCALE)
    const [interrupted] = fs.readdirSync(scaleCheckpoints())
    const other = await runFixture(project, ["scale.factor=7"])
    expect(other.outcomes.scale).toBe("ran")
    const head = JSON.parse(fs.readFileSync(path.join(project.store, "index", "scale", "HEAD.json"), "utf8"))
    expect(head.fingerprint).not.toBe(interrupted)
    expect(head.provenance.attempt).toBe(1)
    expect(fs.readdirSync(scaleCheckpoints())).toEqual([interrupted])
  })
})
