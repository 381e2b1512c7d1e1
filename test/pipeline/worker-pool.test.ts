/**
 * Heavy stages share the run's worker processes: two heavy stages run one after the other are served
 * by one worker (not the runner), and a worker whose stage failed is not reused.
 */
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Store } from "../../pipeline/store.ts"
import { WorkerPool } from "../../pipeline/worker-process.ts"
import type { StartMessage } from "../../pipeline/worker-protocol.ts"
import { makeFixtureProject, makeScaleHeavy, runFixture, type FixtureProject } from "./fixture-project.ts"

const workerPid = (project: FixtureProject, stage: string): Promise<unknown> =>
  Effect.runPromise(Effect.flatMap(Store, (s) => s.readHead(stage)).pipe(Effect.provide(Store.Default(project.store))))
    .then((entry) => (entry as { provenance: { pid?: number } } | undefined)?.provenance.pid)

describe("the worker pool", () => {
  let project: FixtureProject
  beforeAll(() => {
    project = makeFixtureProject()
    makeScaleHeavy(project)
    project.edit("pipeline.ts", (text) =>
      text.replace('defaultProfile: "default",', 'defaultProfile: "default", heavyConcurrency: () => 1,'))
  })
  afterAll(() => project.cleanup())

  it("runs heavy stages one after the other in the same worker process, not the runner", async () => {
    const run = await runFixture(project, ["heavyShift=true", "scale.factor=3", "shift.offset=5"], { concurrency: 2 })
    expect(run.outcomes.scale).toBe("ran")
    expect(run.outcomes.shift).toBe("ran")
    const [scalePid, shiftPid] = [await workerPid(project, "scale"), await workerPid(project, "shift")]
    expect(typeof scalePid).toBe("number")
    expect(scalePid).not.toBe(process.pid)
    expect(shiftPid).toBe(scalePid)
  }, 120_000)

  it("reuses one worker for stages of one config run one after another, never one whose stage failed", async () => {
    const config = { source: { rows: 4 }, scale: { factor: 2 }, shift: { offset: 1 }, combine: [{ name: "p", weight: 1 }] }
    let runs = 0
    const start = (stage: string, inputs: StartMessage["inputs"] = {}): StartMessage & { outputDir: string } => {
      const dir = path.join(project.dir, "pool-runs", String(runs++))
      for (const sub of ["out", "scratch", "checkpoint"]) fs.mkdirSync(path.join(dir, sub), { recursive: true })
      return {
        type: "start", definitionModule: pathToFileURL(project.file("pipeline.ts")).href, definitionName: "fixture", config, stage, inputs,
        outputDir: path.join(dir, "out"), scratchDir: path.join(dir, "scratch"), checkpointDir: path.join(dir, "checkpoint")
      }
    }
    const hooks = { progress: () => undefined, log: () => undefined, provenance: () => undefined }
    const numbersFrom = (source: { outputDir: string }, file: string) =>
      ({ numbers: { stage: "source", output: "numbers", hash: "0".repeat(64), path: path.join(source.outputDir, file) } })
    await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const pool = yield* WorkerPool
      const source = start("source")
      const heardBySource: Array<string> = []
      yield* pool.run(source, { ...hooks, progress: (_d: number, _t: number, note?: string) => void heardBySource.push(note ?? "") })
      const heardBefore = heardBySource.length
      const [file] = fs.readdirSync(source.outputDir)
      const heardByScale: Array<string> = []
      yield* pool.run(start("scale", numbersFrom(source, file)), { ...hooks, progress: (_d: number, _t: number, note?: string) => void heardByScale.push(note ?? "") })
      expect(pool.started()).toBe(1)
      // the second stage's progress reaches its own hooks only
      expect(heardByScale).toContain("scaled")
      expect(heardBySource.length).toBe(heardBefore)
      // an input that is not there: the stage fails in the worker, which is then let go
      const failed = yield* Effect.either(pool.run(start("shift", numbersFrom(source, "missing")), hooks))
      expect(failed._tag).toBe("Left")
      yield* pool.run(start("scale", numbersFrom(source, file)), hooks)
      expect(pool.started()).toBe(2)
    })).pipe(Effect.provide(WorkerPool.Default)))
  }, 120_000)
})
