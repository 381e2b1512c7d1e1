/**
 * The runner takes its Store, StatCache and Session from the context: a test double replaces one of
 * them with `Layer.succeed`, and the other two stay the real ones over the fixture's store.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { StoreError } from "../../pipeline/errors.ts"
import { runPipeline } from "../../pipeline/executor.ts"
import { resolveRun } from "../../pipeline/run-select.ts"
import { sessionLayer } from "../../pipeline/session.ts"
import { openStatCache, StatCache } from "../../pipeline/stat-cache.ts"
import { Store } from "../../pipeline/store.ts"
import { loadDefinition, makeFixtureProject, runFixture, type FixtureProject } from "./fixture-project.ts"

/** A stat cache that hashes as the real one does but whose file cannot be written. */
const unwritableStatCache = () => {
  const real = Effect.runSync(openStatCache(undefined))
  return Layer.succeed(StatCache, StatCache.make({
    ...real,
    save: Effect.fail(new StoreError({ message: "cannot write stat cache /read-only/stat.json: EROFS: read-only file system" }))
  }))
}

describe("Store, StatCache and Session as services", () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it("a stat cache whose write fails leaves the run and its record whole, with one warning", async () => {
    const definition = await loadDefinition(project)
    const said: Array<string> = []
    const capture = (...xs: ReadonlyArray<unknown>) => Effect.sync(() => void said.push(xs.map(String).join(" ")))
    const record = await Effect.runPromise(Effect.gen(function* () {
      const console: Console.Console = { ...(yield* Effect.console), log: capture, error: capture }
      return yield* Effect.withConsole(runPipeline(), console)
    }).pipe(
      // the double is provided inside the session: it replaces the session's own stat cache
      Effect.provide(unwritableStatCache()),
      Effect.provide(sessionLayer(definition, { store: project.store }))
    ))

    expect(record.ok).toBe(true)
    expect(Object.values(record.stages).every((s) => s.outcome === "ran")).toBe(true)
    expect(said.filter((l) => l.includes("stat cache"))).toEqual([
      "warning: cannot write stat cache /read-only/stat.json: EROFS: read-only file system; the next run re-hashes what it needs"
    ])
    // the run record was written before the failed save, and reads back through a Store over the same dir
    expect(fs.existsSync(path.join(project.store, "runs", `${record.runId}.json`))).toBe(true)
    const stored = await Effect.runPromise(resolveRun("latest").pipe(Effect.provide(Store.Default(project.store))))
    expect(stored).toEqual(record)
    // and the real stat cache file was never written by this run
    expect(fs.existsSync(path.join(project.store, "cache", "stat.json"))).toBe(false)
  })

  it("the next run over the same store, with the real stat cache, reuses every stage", async () => {
    await runFixture(project)
    const again = await runFixture(project)
    expect(Object.values(again.record.stages).every((s) => s.outcome === "cached")).toBe(true)
    expect(fs.existsSync(path.join(project.store, "cache", "stat.json"))).toBe(true)
  })
})
