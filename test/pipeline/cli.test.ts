import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cliInProcess, makeFixtureProject, runCli, type FixtureProject } from "./fixture-project.ts"

describe("CLI", () => {
  let project: FixtureProject
  beforeAll(async () => {
    project = makeFixtureProject()
    const first = await runCli(project, ["run"])
    expect(first.stderr).toBe("")
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/6 ran/)
  })
  afterAll(() => project.cleanup())

  it("status, dry-run, dag, show, gc and config errors", async () => {
    const changed = ["--set", "scale.factor=3"]
    const status = await cliInProcess(project, ["status", ...changed])
    const statusJson = await cliInProcess(project, ["status", "--json", ...changed])
    const dry = await cliInProcess(project, ["run", "--dry-run", ...changed])
    const dag = await cliInProcess(project, ["dag", "--mermaid"])
    const show = await cliInProcess(project, ["show", "combine:p"])
    const badConfig = await cliInProcess(project, ["run", "--set", "source.rows=\"many\"", "--set", "extra=1"])
    const gc = await cliInProcess(project, ["gc"])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain("source: up to date")
    expect(status.stdout).toContain("scale: stale\n    - param factor changed: 2 -> 3")
    expect(status.stdout).toContain('combine:p: stale\n    - upstream "scale" is stale')
    expect(status.stdout).toContain("shift: up to date")

    const plans = JSON.parse(statusJson.stdout) as Array<{ stage: string; upToDate: boolean; reasons: Array<string> }>
    expect(plans.filter((p) => !p.upToDate).map((p) => p.stage).sort()).toEqual(["combine:p", "combine:q", "report", "scale"])

    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain("scale: would run\n    - param factor changed: 2 -> 3")
    expect(fs.readdirSync(path.join(project.store, "index", "scale"))).toHaveLength(2) // one entry + HEAD: nothing ran

    expect(dag.stdout).toContain("flowchart LR")
    expect(dag.stdout).toMatch(/s\d -->\|scaled\| s\d/)

    expect(show.code).toBe(0)
    expect(show.stdout).toContain("stage combine:p (up to date)")
    expect(show.stdout).toMatch(/scaled = scale\.scaled {2}[0-9a-f]{64}/)
    expect(show.stdout).toMatch(/combined {2}[0-9a-f]{64} {2}\d+ bytes, 50 rows/)
    expect(show.stdout).toContain("stages/combine.ts")
    expect(show.stdout).toContain("apache-arrow@")

    expect(badConfig.code).toBe(2)
    expect(badConfig.stderr).toMatch(/at source\.rows: Expected number, actual "many"/)
    expect(badConfig.stderr).toMatch(/at extra: is unexpected/)
    expect(badConfig.stderr).toMatch(/^hint: /m)
    expect(badConfig.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/) // no stack trace

    expect(gc.code).toBe(0)
    expect(gc.stdout).toMatch(/would remove: 0 runs, 0 index entries, 0 objects/)
  })

  it("a failed stage exits 1 with its message and hint; diff and audit read the records", async () => {
    const failed = await cliInProcess(project, ["run", "--set", "shift.fail=true", "--set", "scale.factor=4"])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain("[shift] failed: shift was told to fail (fixture)\n  hint: unset shift.fail")
    expect(failed.stderr).toContain("error: stage(s) failed: shift")

    const diff = await cliInProcess(project, ["diff", "previous", "latest"])
    const audit = await cliInProcess(project, ["audit", "--json"])
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain("config scale.factor: 2 -> 4")
    expect(diff.stdout).toMatch(/scale:\n {4}param factor: 2 -> 4\n {4}artifact scaled: [0-9a-f]{12} -> [0-9a-f]{12}/)
    // the fixture declares no metrics outputs: the JSON still says so explicitly
    const jsonDiff = await cliInProcess(project, ["diff", "previous", "latest", "--json"])
    expect(JSON.parse(jsonDiff.stdout).metrics).toEqual({ changes: [], unavailable: [] })
    expect(audit.code).toBe(0)
    expect(JSON.parse(audit.stdout).problems).toEqual([])

    const objects = path.join(project.store, "objects")
    const victim = fs.readdirSync(objects).map((d) => path.join(objects, d, fs.readdirSync(path.join(objects, d))[0]))[0]
    fs.chmodSync(victim, 0o644)
    fs.appendFileSync(victim, "x")
    const badAudit = await cliInProcess(project, ["audit", "--run", "previous"])
    expect(badAudit.code).toBe(1)
    expect(badAudit.stdout).toMatch(/is corrupted/)
    expect(badAudit.stderr).toMatch(/error: audit failed: 1 problem/)
  })
  it("audit --rerun checks reproducibility; gc --yes keeps what the newest runs need", async () => {
    const ok = await cliInProcess(project, ["run", "--set", "scale.factor=9"])
    expect(ok.code).toBe(0)
    const rerun = await cliInProcess(project, ["audit", "--rerun", "combine:p", "--json"])
    expect(rerun.stderr).toBe("")
    expect(JSON.parse(rerun.stdout).rerun).toMatchObject({ stage: "combine:p", reproducible: true, sameFingerprint: true })

    const listed = await cliInProcess(project, ["gc", "--keep", "1"])
    expect(listed.stdout).toMatch(/would remove: 2 runs, [1-9]\d* index entries, [1-9]\d* objects/)
    const removed = await cliInProcess(project, ["gc", "--keep", "1", "--yes"])
    expect(removed.stdout).toMatch(/removed: 2 runs/)
    expect(fs.readdirSync(path.join(project.store, "runs"))).toHaveLength(1)
    const status = await cliInProcess(project, ["status", "--json", "--set", "scale.factor=9"])
    expect((JSON.parse(status.stdout) as Array<{ upToDate: boolean }>).every((p) => p.upToDate)).toBe(true)
    expect((await cliInProcess(project, ["audit"])).code).toBe(0)
    expect((await cliInProcess(project, ["gc", "--keep", "1"])).stdout).toMatch(/would remove: 0 runs, 0 index entries, 0 objects/)
  })
})
