import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import { tryStageLock } from "../../pipeline/stage-lock.ts"
import { cliInProcess, makeFixtureProject, runFixture, type FixtureProject } from "./fixture-project.ts"

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
    const status = await cliInProcess(project, ["status"])
    expect(status.stdout).toMatch(/scale: stale\n {4}- never ran\n {4}- resumable: checkpoint saved \d{4}-\d\d-\d\d \d\d:\d\d UTC \(0\.0 MiB\)/)

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

  it("gc keeps the checkpoint a rerun would resume and removes the ones it would not", async () => {
    // the previous test left factor=5's checkpoint, and factor=7 has succeeded since
    const [succeededPast] = fs.readdirSync(scaleCheckpoints())
    const passedBy = await cliInProcess(project, ["gc"])
    expect(passedBy.stdout).toContain(`would remove checkpoint scale/${succeededPast.slice(0, 12)} (1 bytes): the stage succeeded since`)

    process.env.FIXTURE_FAIL_SCALE = "1"
    await runFixture(project, ["scale.factor=11"]).finally(() => delete process.env.FIXTURE_FAIL_SCALE)
    const resumable = fs.readdirSync(scaleCheckpoints()).find((fp) => fp !== succeededPast)!
    const listed = await cliInProcess(project, ["gc"])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(`would remove checkpoint scale/${succeededPast.slice(0, 12)} (1 bytes): a newer checkpoint`)
    expect(listed.stdout).not.toContain(resumable.slice(0, 12))
    expect(listed.stdout).toMatch(/, 1 checkpoints \(0\.0 MiB\); pass --yes/)
    expect(fs.readdirSync(scaleCheckpoints()).sort()).toEqual([succeededPast, resumable].sort())

    expect((await cliInProcess(project, ["gc", "--yes"])).code).toBe(0)
    expect(fs.readdirSync(scaleCheckpoints())).toEqual([resumable])
  })

  it("gc refuses while a run holds a stage lock, and deletes nothing", async () => {
    const target = path.join(project.store, "locks", "scale-0123456789abcdef01234567")
    const before = fs.readdirSync(path.join(project.store, "runs"))
    const busy = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      expect(yield* tryStageLock(target)).toBeDefined()
      return yield* Effect.promise(() => cliInProcess(project, ["gc", "--keep", "0", "--yes"]))
    })))
    expect(fs.existsSync(target)).toBe(false) // released with its scope
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(/error: a run is using the store .* \(1 stage lock\(s\) held, e\.g\. scale-0123/)
    expect(busy.stderr).toMatch(/hint: let that run finish/)
    expect(fs.readdirSync(path.join(project.store, "runs"))).toEqual(before)
  })
})
