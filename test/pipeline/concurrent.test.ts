import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { silentReporter, type Reporter } from "../../pipeline/progress.ts"
import type { IndexEntry, RunRecord } from "../../pipeline/records.ts"
import { safeName } from "../../pipeline/store.ts"
import { cliInProcess, makeFixtureProject, runFixture, spawnCli, type FixtureProject } from "./fixture-project.ts"

/** Starts the fixture's CLI in another process and resolves once it is computing `stage`. */
const startOtherRunInside = async (project: FixtureProject, stage: string, sets: ReadonlyArray<string>) => {
  const other = spawnCli(project, ["run", ...sets.flatMap((s) => ["--set", s])])
  let seen = ""
  await new Promise<void>((resolve, reject) => {
    other.child.stdout.on("data", (d) => (seen += d) && seen.includes(`[${stage}] running`) && resolve())
    other.child.on("exit", () => reject(new Error(`the other run ended before ${stage} started:\n${seen}`)))
  })
  return other
}

/** A `scale.gate` setting: the other run's scale finishes only once the test writes this file. */
const gateFor = (project: FixtureProject) => {
  const file = project.file("scale-gate")
  return { set: `scale.gate=${JSON.stringify(file)}`, open: () => fs.writeFileSync(file, "") }
}

const indexEntry = (project: FixtureProject, stage: string, fingerprint: string): IndexEntry =>
  JSON.parse(fs.readFileSync(path.join(project.store, "index", safeName(stage), `${fingerprint}.json`), "utf8"))

describe("two pipeline runs on one store at once", () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it("computes each shared stage once; the other run waits on its lock and reuses it", async () => {
    const gate = gateFor(project)
    const sets = [gate.set]
    // a separate process starts first; once it is inside scale, this process runs the same DAG, and scale
    // finishes there only once this run has found its lock held and waits for it
    const other = await startOtherRunInside(project, "scale", sets)
    const reporter: Reporter = {
      ...silentReporter,
      log: (stage, message) => void (stage === "scale" && message.startsWith("another run is computing") && gate.open())
    }
    const here = await runFixture(project, sets, { reporter })
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

  it("gives the slot of a stage waiting on the other run's lock to this run's other stages", async () => {
    // a previous run makes scale the slower stage in HEAD, so with one slot this run tries scale first
    await runFixture(project, ["scale.sleepMs=1500"])
    const gate = gateFor(project)
    const other = await startOtherRunInside(project, "scale", [gate.set])
    // scale finishes there only after shift has finished here
    const reporter: Reporter = { ...silentReporter, stageEnd: (stage) => void (stage === "shift" && gate.open()) }
    const here = await runFixture(project, [gate.set, "shift.offset=5"], { concurrency: 1, reporter })
    expect([(await other.done).code, here.record.ok]).toEqual([0, true])
    expect(here.outcomes).toMatchObject({ scale: "cached", shift: "ran" })
    // shift ran here while scale was still being computed there
    const shiftDone = indexEntry(project, "shift", here.record.stages.shift.fingerprint!).timings.finishedAt
    const scaleDone = indexEntry(project, "scale", here.record.stages.scale.fingerprint!).timings.finishedAt
    expect(shiftDone < scaleDone, `shift finished ${shiftDone}, the other run's scale ${scaleDone}`).toBe(true)
  })
})
