/**
 * Heavy stages share the run's worker processes: two heavy stages run one after the other are served
 * by one worker (not the runner), and a worker whose stage failed is not reused. A runner started
 * from its bundle starts its workers on that bundle; under the loader, on worker-entry.ts.
 */
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Store } from "../../pipeline/store.ts"
import { WorkerPool } from "../../pipeline/worker-process.ts"
import type { StartMessage } from "../../pipeline/worker-protocol.ts"
import { spawnSync } from "node:child_process"
import { launcher, removeBundlesOf } from "../support/bundles.ts"
import { makeFixtureProject, makeScaleHeavy, runFixture, type FixtureProject } from "./fixture-project.ts"

interface Head { readonly outputs: unknown; readonly provenance: { readonly pid?: number; readonly workerStart?: string } }
const headOf = (project: FixtureProject, stage: string): Promise<Head | undefined> =>
  Effect.runPromise(Effect.flatMap(Store, (s) => s.readHead(stage)).pipe(Effect.provide(Store.Default(project.store)))) as Promise<Head | undefined>
const provenanceOf = (project: FixtureProject, stage: string) => headOf(project, stage).then((head) => head?.provenance)
const workerPid = (project: FixtureProject, stage: string): Promise<unknown> => provenanceOf(project, stage).then((p) => p?.pid)

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

describe("workers of a runner started by the launcher", () => {
  let project: FixtureProject
  beforeAll(() => {
    project = makeFixtureProject({ inRepo: true })
  })
  afterAll(async () => {
    removeBundlesOf(project.file("main.ts"))
    await project.cleanup()
  })
  const run = (env: Record<string, string>, offset: number) =>
    spawnSync(process.execPath, [launcher, "main.ts", "run", "--set", "heavyShift=true", "--set", `shift.offset=${offset}`], {
      cwd: project.dir, encoding: "utf8", env: { ...process.env, ...env, NO_COLOR: "1" }
    })

  it("start on the runner's own bundle, and through the loader with SEED_BUNDLE=0, with the same outputs", async () => {
    const bundled = run({}, 7)
    expect(bundled.status, bundled.stderr).toBe(0)
    const fromBundle = await provenanceOf(project, "shift")
    // "entry": the bundle's runCli served the stage (worker-protocol.ts); "1": worker-entry.ts through the loader
    expect(fromBundle?.workerStart).toBe("entry")
    const bundledHead = await headOf(project, "shift")
    fs.rmSync(project.store, { recursive: true, force: true })
    const loaded = run({ SEED_BUNDLE: "0" }, 7)
    expect(loaded.status, loaded.stderr).toBe(0)
    expect((await provenanceOf(project, "shift"))?.workerStart).toBe("1")
    expect((await headOf(project, "shift"))?.outputs).toEqual(bundledHead?.outputs)
  }, 120_000)
})
