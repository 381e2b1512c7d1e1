import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { collectGarbage } from "../../pipeline/gc.ts"
import { machineId } from "../../pipeline/process-identity.ts"
import { openStore, Store } from "../../pipeline/store.ts"
import { useStoreForRun } from "../../pipeline/store-use.ts"
import { runPipeline } from "../../pipeline/executor.ts"
import type { RunRecord } from "../../pipeline/records.ts"
import { sessionLayer } from "../../pipeline/session.ts"
import { cliInProcess, loadDefinition, makeFixtureProject, runFixture, type FixtureProject } from "./fixture-project.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs the fixture in this process, collecting what it prints on the console into `said`. */
const runCapturingConsole = async (project: FixtureProject, sets: ReadonlyArray<string>, said: Array<string>): Promise<RunRecord> => {
  const definition = await loadDefinition(project)
  const capture = (...xs: ReadonlyArray<unknown>) => Effect.sync(() => void said.push(xs.map(String).join(" ")))
  return Effect.runPromise(Effect.gen(function* () {
    const base = yield* Effect.console
    const console: Console.Console = { ...base, log: capture, error: capture }
    return yield* Effect.withConsole(runPipeline().pipe(Effect.provide(sessionLayer(definition, { store: project.store, sets }))), console)
  }))
}

describe("gc and runs exclude each other", () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it("a run that starts while gc is between its plan and its deletes waits, then recomputes what gc removed", async () => {
    await runFixture(project, ["scale.factor=5"])
    await runFixture(project, ["scale.factor=3"])
    const store = await Effect.runPromise(openStore(project.store))
    let run: Promise<RunRecord> | undefined
    let finishedDuringGc = false
    const said: Array<string> = []
    // the pause: gc has planned to delete factor=5's entries and objects; a run that needs them starts now
    const beforeDelete = Effect.promise(async () => {
      run = runCapturingConsole(project, ["scale.factor=5"], said)
      void run.then(() => (finishedDuringGc = gcHolding))
      for (let waited = 0; !said.some((l) => l.startsWith("waiting: gc")); waited += 50) {
        if (waited > 60_000) throw new Error("the run never waited for gc")
        await sleep(50)
      }
      await sleep(500)
    })
    let gcHolding = true
    const plan = await Effect.runPromise(collectGarbage({ keep: 1, apply: true, beforeDelete }).pipe(Effect.provideService(Store, store)))
    gcHolding = false
    expect(plan.indexEntries.map((e) => e.stage).sort()).toEqual(["combine:p", "combine:q", "report", "scale"])

    const rerun = await run!
    expect(finishedDuringGc).toBe(false)
    expect(rerun.ok).toBe(true)
    // it looked up after gc's deletes: what gc removed is recomputed, never "reused" from deleted objects
    expect(rerun.stages.scale.outcome).toBe("ran")
    expect(rerun.stages.source.outcome).toBe("cached")
    const audit = await cliInProcess(project, ["audit"])
    expect(audit.code, audit.stdout).toBe(0)
  })

  it("gc refuses (and deletes nothing) while a run holds the store", async () => {
    await runFixture(project, ["scale.factor=5"])
    await runFixture(project, ["scale.factor=3"])
    const store = await Effect.runPromise(openStore(project.store))
    const objectsBefore = await Effect.runPromise(store.listObjects())
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      yield* useStoreForRun
      return yield* Effect.either(collectGarbage({ keep: 0, apply: true }))
    }).pipe(Effect.provideService(Store, store))))
    expect(result._tag).toBe("Left")
    expect(result._tag === "Left" && result.left._tag).toBe("StoreBusy")
    expect(await Effect.runPromise(store.listObjects())).toEqual(objectsBefore)
    // once the run is gone, gc proceeds and leaves no marker behind
    expect((await cliInProcess(project, ["gc", "--keep", "1", "--yes"])).code).toBe(0)
    expect(fs.readdirSync(path.join(project.store, "in-use"))).toEqual([])
  })

  it("a dead run's marker is cleared; one from another machine blocks gc", async () => {
    await runFixture(project)
    const inUse = path.join(project.store, "in-use")
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!
    fs.writeFileSync(path.join(inUse, `run.${machineId()}-${dead}-1-0000`), "")
    const gc = await cliInProcess(project, ["gc", "--yes"])
    expect(gc.code, gc.stderr).toBe(0)
    expect(fs.readdirSync(inUse)).toEqual([])

    const elsewhere = path.join(inUse, `run.${machineId() === "0123456789ab" ? "ba9876543210" : "0123456789ab"}-${dead}-1-0000`)
    fs.writeFileSync(elsewhere, "")
    const busy = await cliInProcess(project, ["gc", "--yes"])
    expect(busy.code).toBe(1)
    expect(busy.stderr).toContain(elsewhere)
  })
})
