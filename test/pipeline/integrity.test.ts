import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { auditRun } from "../../pipeline/audit.ts"
import { sessionLayer } from "../../pipeline/session.ts"
import { Store } from "../../pipeline/store.ts"
import { loadDefinition, makeFixtureProject, runFixture, withOutcome, type FixtureProject } from "./fixture-project.ts"

const flipByte = (file: string, at: number) => {
  fs.chmodSync(file, 0o644)
  const bytes = fs.readFileSync(file)
  bytes[at] ^= 0xff
  fs.writeFileSync(file, bytes)
}

const audit = async (project: FixtureProject) => {
  const definition = await loadDefinition(project)
  return Effect.runPromise(Effect.gen(function* () {
    const store = yield* Store
    const ids = yield* store.listRunIds()
    return yield* auditRun((yield* store.readRun(ids[ids.length - 1]))!)
  }).pipe(Effect.provide(sessionLayer(definition, { store: project.store }))))
}

describe("store integrity", () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it("detects a flipped byte: audit reports it and run recomputes instead of reusing", async () => {
    const first = await runFixture(project)
    expect((await audit(project)).problems).toEqual([])
    const hash = first.record.stages.scale.outputs!.scaled.hash
    flipByte(path.join(project.store, "objects", hash.slice(0, 2), hash), 200)

    const report = await audit(project)
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatch(/^scale\.scaled: object .* is corrupted/)

    const rerun = await runFixture(project)
    expect(withOutcome(rerun, "ran")).toEqual(["scale"])
    expect(rerun.record.stages.scale.reasons[0]).toMatch(/output scaled: object .* is corrupted/)
    expect(rerun.record.stages.scale.outputs!.scaled.hash).toBe(hash)
    expect((await audit(project)).problems).toEqual([])
  })

  it("fails a stage whose source changed while it ran (its worker may have loaded either version), and records nothing for it", async () => {
    const run = await runFixture(project, [`shift.editSource=${JSON.stringify(project.file("lib/helper-c.ts"))}`])
    expect(run.record.ok).toBe(false)
    expect(run.outcomes.shift).toBe("failed")
    expect(run.record.stages.shift.error?._tag).toBe("CodeChanged")
    expect(run.record.stages.shift.error?.message).toMatch(/lib\/helper-c\.ts changed while stage "shift" ran/)
    expect(fs.existsSync(path.join(project.store, "index", "shift", "HEAD.json"))).toBe(false)
    expect(run.outcomes.scale).toBe("ran")
  })

  it("fails a stage whose input changed while it ran, and records nothing for it", async () => {
    // shift mutates the input it shares with scale only once scale has committed, so scale's outcome is not a race
    const scaleCommitted = path.join(project.store, "index", "scale", "HEAD.json")
    const run = await runFixture(project, ["shift.mutateInput=true", `shift.mutateAfter=${JSON.stringify(scaleCommitted)}`])
    expect(run.record.ok).toBe(false)
    expect(run.outcomes.shift).toBe("failed")
    expect(run.record.stages.shift.error?._tag).toBe("InputChanged")
    expect(run.record.stages.shift.error?.message).toMatch(/input "numbers" \(source\.numbers\) changed while stage "shift" ran/)
    expect(fs.existsSync(path.join(project.store, "index", "shift"))).toBe(false)
    // its descendants are skipped, the independent branch completes
    expect(withOutcome(run, "skipped")).toEqual(["combine:p", "combine:q", "report"])
    expect(run.outcomes.scale).toBe("ran")
  })

  it("a failing stage reports its tagged error; independent stages still run", async () => {
    const run = await runFixture(project, ["shift.fail=true"])
    expect(run.record.stages.shift.error).toEqual({ _tag: "ShiftFailed", message: "shift was told to fail (fixture)", hint: "unset shift.fail" })
    expect(withOutcome(run, "ran")).toEqual(["scale", "source"])
    const fixed = await runFixture(project)
    expect(withOutcome(fixed, "cached")).toEqual(["scale", "source"])
    expect(fixed.record.ok).toBe(true)
  })

  it("runs a heavy stage in a worker process and relays its provenance", async () => {
    const run = await runFixture(project, ["heavyShift=true"])
    expect(run.record.ok).toBe(true)
    const definition = await loadDefinition(project)
    const entry = await Effect.runPromise(Effect.flatMap(Store, (s) => s.readHead("shift")).pipe(Effect.provide(sessionLayer(definition, { store: project.store }))))
    expect(entry!.heavy).toBe(true)
    expect(entry!.provenance.pid).toBeTypeOf("number")
    expect(entry!.provenance.pid).not.toBe(process.pid)
  })

  it("a heavy stage's failure comes back over IPC with tag, message and hint", async () => {
    const run = await runFixture(project, ["heavyShift=true", "shift.fail=true"])
    expect(run.record.stages.shift.error).toEqual({ _tag: "ShiftFailed", message: "shift was told to fail (fixture)", hint: "unset shift.fail" })
  })
})
