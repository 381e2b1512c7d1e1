import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { IndexEntry, RunRecord } from "../../pipeline/records.ts"
import { openStore, safeName } from "../../pipeline/store.ts"
import { cliInProcess, makeFixtureProject, runFixture, withOutcome, type FixtureProject } from "./fixture-project.ts"

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex")
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8"))
const writeJson = (file: string, value: unknown) => fs.writeFileSync(file, JSON.stringify(value, null, 2))
const warningLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("warning:"))

describe("store records that do not decode", () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  const indexDir = (stage: string) => path.join(project.store, "index", safeName(stage))
  const entryFile = (stage: string, run: RunRecord) => path.join(indexDir(stage), `${run.stages[stage].fingerprint}.json`)

  it("a truncated, wrong-shaped or wrong-typed index entry or HEAD is a cache miss with a one-line warning naming it", async () => {
    const first = (await runFixture(project)).record
    const truncated = entryFile("scale", first)
    fs.writeFileSync(truncated, fs.readFileSync(truncated, "utf8").slice(0, 100))
    const wrongShape = path.join(indexDir("shift"), "HEAD.json")
    writeJson(wrongShape, { stage: "shift", hello: "world" })
    const wrongType = entryFile("combine:p", first)
    writeJson(wrongType, { ...readJson<IndexEntry>(wrongType), outputs: { combined: { hash: 42 } } })

    const status = await cliInProcess(project, ["status"])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/^scale: stale/m)

    const rerun = await cliInProcess(project, ["run"])
    expect(rerun.code, rerun.stderr).toBe(0)
    const warnings = warningLines(rerun.stderr)
    for (const file of [truncated, wrongShape, wrongType]) expect(warnings.filter((w) => w.includes(file)), file).toHaveLength(1)
    expect(rerun.stderr).not.toMatch(/internal error/)
    // the unreadable entries were recomputed (and rewritten), the intact ones reused
    const second = readJson<RunRecord>(path.join(project.store, "runs", `${fs.readdirSync(path.join(project.store, "runs")).sort().at(-1)}`))
    expect(second.stages.scale.outcome).toBe("ran")
    expect(second.stages["combine:p"].outcome).toBe("ran")
    expect(second.stages.shift.outcome).toBe("cached") // only its HEAD was broken; the entry itself is fine
    expect(second.stages.source.outcome).toBe("cached")
    expect((await cliInProcess(project, ["audit"])).code).toBe(0)
    expect(warningLines((await cliInProcess(project, ["status"])).stderr)).toEqual([])
  })

  it("an unreadable run record is skipped by audit, show and diff with a note, not an internal error", async () => {
    await runFixture(project)
    await runFixture(project, ["scale.factor=3"])
    const runsDir = path.join(project.store, "runs")
    const newest = path.join(runsDir, fs.readdirSync(runsDir).sort().at(-1)!)
    fs.writeFileSync(newest, '{"runId": "x", "stages": ')

    const audit = await cliInProcess(project, ["audit", "--json"])
    expect(audit.code, audit.stderr).toBe(0)
    expect(JSON.parse(audit.stdout).runId).toBe(readJson<RunRecord>(path.join(runsDir, fs.readdirSync(runsDir).sort()[0])).runId)
    expect(warningLines(audit.stderr)).toEqual([expect.stringContaining(newest)])
    const diff = await cliInProcess(project, ["diff", path.basename(newest, ".json"), "latest"])
    expect(diff.code).toBe(2)
    expect(diff.stderr).toMatch(/no readable run/)
    expect(diff.stderr).not.toMatch(/internal error/)
  })

  it("an entry whose output hash points outside the store is a miss: run, status, audit and gc leave that file alone", async () => {
    const first = (await runFixture(project)).record
    // a file outside the store, and hashes that path.join would resolve onto it: objects/<"..">/<"../../dir/victim">
    const victim = path.join(project.dir, "victim")
    fs.writeFileSync(victim, "not the store's")
    fs.writeFileSync(`${victim}.json`, "not the store's either")
    const escape = `../../${path.basename(project.dir)}/victim`
    expect(path.join(project.store, "objects", escape.slice(0, 2), escape)).toBe(victim)
    expect(path.join(project.store, "index", "scale", "../../../victim.json")).toBe(`${victim}.json`)

    const tamper = (file: string) => {
      const entry = readJson<IndexEntry>(file)
      writeJson(file, { ...entry, outputs: { scaled: { ...entry.outputs.scaled, hash: escape } } })
    }
    tamper(entryFile("scale", first))
    tamper(path.join(indexDir("scale"), "HEAD.json"))
    // an orphan entry gc would collect, whose fingerprint walks out of index/scale/
    writeJson(path.join(indexDir("scale"), `${"e".repeat(64)}.json`), {
      ...readJson<IndexEntry>(path.join(indexDir("source"), "HEAD.json")), stage: "scale", fingerprint: "../../../victim"
    })
    const runFile = path.join(project.store, "runs", `${first.runId}.json`)
    const run = readJson<RunRecord>(runFile)
    writeJson(runFile, { ...run, stages: { ...run.stages, scale: { ...run.stages.scale, outputs: { scaled: { ...run.stages.scale.outputs!.scaled, hash: escape } } } } })

    const status = await cliInProcess(project, ["status"])
    expect(status.stdout).toMatch(/^scale: stale/m)
    const audit = await cliInProcess(project, ["audit"])
    expect(audit.stderr).not.toMatch(/internal error/)
    const rerun = await runFixture(project)
    expect(rerun.record.ok).toBe(true)
    expect(withOutcome(rerun, "ran")).toEqual(["scale"])
    const gc = await cliInProcess(project, ["gc", "--keep", "0", "--yes"])
    expect(gc.code, gc.stderr).toBe(0)
    expect(gc.stderr).not.toMatch(/internal error/)

    expect(fs.readFileSync(victim, "utf8")).toBe("not the store's")
    expect(fs.readFileSync(`${victim}.json`, "utf8")).toBe("not the store's either")
    expect(warningLines(status.stderr + audit.stderr + gc.stderr).length).toBeGreaterThan(0)
  })

  it("objectPath and the index refuse a hash that is not 64 lowercase hex", async () => {
    const store = await Effect.runPromise(openStore(project.store))
    expect(() => store.objectPath("../../etc/passwd" as never)).toThrow(/not 64 lowercase hex/)
    expect(() => store.objectPath("A".repeat(64) as never)).toThrow(/not 64 lowercase hex/)
    const removed = await Effect.runPromise(Effect.either(store.removeIndex("scale", "../../x" as never)))
    expect(removed._tag).toBe("Left")
    expect(store.objectPath("a".repeat(64) as never)).toBe(path.join(project.store, "objects", "aa", "a".repeat(64)))
  })
})

describe("objects and the stat cache", () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it("a new fingerprint that produces an existing, corrupted object replaces it: correct bytes, and status does not vouch for bad ones", async () => {
    const first = (await runFixture(project)).record
    const hash = first.stages.scale.outputs!.scaled.hash
    const object = path.join(project.store, "objects", hash.slice(0, 2), hash)
    fs.chmodSync(object, 0o644)
    const bytes = fs.readFileSync(object)
    bytes[200] ^= 0xff
    fs.writeFileSync(object, bytes)

    // sleepMs changes scale's fingerprint, not its output: the commit meets the corrupted object
    const second = await runFixture(project, ["scale.sleepMs=1"])
    expect(second.outcomes.scale).toBe("ran")
    expect(second.record.stages.scale.outputs!.scaled.hash).toBe(hash)
    expect(sha256(object)).toBe(hash)
    // what the stat cache says about the object is what its bytes are
    const cache = readJson<Record<string, { hash: string }>>(path.join(project.store, "cache", "stat.json"))
    expect(cache[object]?.hash ?? hash).toBe(sha256(object))

    for (const sets of [["--set", "scale.sleepMs=1"], []]) {
      const status = await cliInProcess(project, ["status", ...sets, "--json"])
      expect(JSON.parse(status.stdout).every((s: { upToDate: boolean }) => s.upToDate), status.stdout).toBe(true)
    }
    expect((await cliInProcess(project, ["audit"])).code).toBe(0)
  })

  it("the run record survives a stat cache that cannot be written (a directory in its place)", async () => {
    await runFixture(project)
    const statFile = path.join(project.store, "cache", "stat.json")
    fs.rmSync(statFile, { force: true })
    fs.mkdirSync(statFile)
    fs.writeFileSync(path.join(statFile, "keep"), "") // a non-empty dir: rename cannot replace it

    const rerun = await cliInProcess(project, ["run", "--set", "scale.factor=3"])
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(warningLines(rerun.stderr).some((w) => w.includes(statFile))).toBe(true)
    const runs = fs.readdirSync(path.join(project.store, "runs")).sort()
    expect(runs).toHaveLength(2)
    const record = readJson<RunRecord>(path.join(project.store, "runs", runs[1]))
    expect(record.ok).toBe(true)
    expect(record.stages.scale.outcome).toBe("ran")
    expect((await cliInProcess(project, ["audit"])).code).toBe(0)
  })
})
