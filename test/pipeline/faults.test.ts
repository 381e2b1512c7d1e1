/**
 * Faults from outside the runner, through the real CLI in a child process: Ctrl-C (SIGINT) at any
 * moment, SIGKILL of the runner alone (its workers must follow) or of its whole process group.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { storeProblems } from "../support/store-integrity.ts"
import { cliInProcess, makeFixtureProject, runFixture, spawnCli, type FixtureProject } from "./fixture-project.ts"
import { repoRoot, tsLoader } from "./fixture-sources.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// generous: on a loaded machine a CLI takes tens of seconds to start; the bounds that matter are below
const waitFor = async <A>(what: string, probe: () => A | undefined | false, timeoutMs = 180_000): Promise<A> => {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(20)) {
    const value = probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The pid of the process computing "big" (it writes it into its checkpoint dir first thing). */
const bigPid = (project: FixtureProject): number | undefined => {
  const dir = path.join(project.store, "checkpoints", "big")
  for (const fp of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const text = fs.existsSync(path.join(dir, fp, "pid")) ? fs.readFileSync(path.join(dir, fp, "pid"), "utf8") : ""
    if (text) return Number(text)
  }
  return undefined
}

/** A long heavy stage (40 s unless killed): "spin" holds the worker's event loop, as a training step does. */
const longHeavyBig = (spin: boolean) => ["--set", "heavyBig=true", "--set", `big={"bytes":400,"chunk":1,"delayMs":100,"spin":${spin}}`]

const exitOf = (child: ReturnType<typeof spawnCli>["child"]) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })))

/** Sends SIGINT to the runner alone; resolves with its exit code and how long it took to exit. */
const interrupt = async (run: ReturnType<typeof spawnCli>) => {
  const exited = exitOf(run.child)
  const sentAt = Date.now()
  run.child.kill("SIGINT")
  const { code, signal, at } = await exited
  return { code, signal, ms: at - sentAt }
}

// The seeded fault injection (`bench faults`, its own process and scratch store) starts first and runs
// while the tests below run one by one: most of their time is waiting for a CLI or a worker to start.
let benchRun: Promise<{ readonly stdout: string } | { readonly error: Error }>
let bench: ReturnType<typeof execFile> | undefined
beforeAll(() => {
  const args = ["--import", tsLoader, "bench/main.ts", "faults", "--dag", "fixture", "--kills", "2", "--interrupts", "2", "--seed", "13", "--json"]
  benchRun = new Promise((resolve) => {
    bench = execFile(process.execPath, args, { cwd: repoRoot, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve(error && !stdout ? { error: new Error(`${error.message}\n${stderr}`) } : { stdout }))
  })
})
afterAll(() => void (bench?.exitCode === null && bench.kill("SIGKILL")))

describe("Ctrl-C (SIGINT to the runner alone)", { timeout: 300_000 }, () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it("ends a run waiting for another run's stage lock at once with 130, leaving the other run's lock alone", async () => {
    const holder = spawnCli(project, ["run", "--set", "scale.sleepMs=60000"])
    let held = ""
    holder.child.stdout.on("data", (d) => (held += d))
    await waitFor("the first run to compute scale", () => held.includes("[scale] running"))
    const waiter = spawnCli(project, ["run", "--set", "scale.sleepMs=60000"])
    let waited = ""
    waiter.child.stdout.on("data", (d) => (waited += d))
    await waitFor("the second run to wait for scale's lock", () => waited.includes("[scale] another run is computing this stage")).catch((e) => {
      throw new Error(`${e.message}\nfirst run:\n${held}\nsecond run:\n${waited}`)
    })
    await sleep(300)

    const stopped = await interrupt(waiter)
    expect(stopped.code).toBe(130)
    expect(stopped.ms).toBeLessThan(3_000) // before the fix: until the holder's scale finished (60 s)
    const locks = fs.readdirSync(path.join(project.store, "locks")).filter((n) => n.startsWith("scale-"))
    expect(locks).toHaveLength(1) // the holder's lock is still there, and its run still going
    expect(holder.child.exitCode).toBeNull()
    expect((await interrupt(holder)).code).toBe(130)
  })

  it("ends a run whose heavy stage computes in a worker with 130, and the worker with it", async () => {
    const run = spawnCli(project, ["run", ...longHeavyBig(true)])
    const worker = await waitFor("big's worker", () => bigPid(project))
    await sleep(300)
    const stopped = await interrupt(run)
    expect(stopped.code).toBe(130)
    expect(stopped.ms).toBeLessThan(3_000)
    await waitFor("the worker to exit", () => !alive(worker), 3_000)
  })
})

describe("a runner killed alone with SIGKILL", { timeout: 300_000 }, () => {
  let project: FixtureProject
  beforeEach(() => void (project = makeFixtureProject()))
  afterEach(() => project.cleanup())

  it.each([["a worker that yields between steps", false], ["a CPU-bound worker", true]])("takes %s down with it; the rerun and audit pass", async (_, spin) => {
    const run = spawnCli(project, ["run", ...longHeavyBig(spin)])
    const worker = await waitFor("big's worker", () => bigPid(project))
    await sleep(300)
    expect(alive(worker)).toBe(true)
    const killed = exitOf(run.child)
    run.child.kill("SIGKILL")
    await killed
    await waitFor(`worker ${worker} to exit after its runner died`, () => !alive(worker), 3_000)

    const rerun = await runFixture(project, ["heavyBig=true", `big={"bytes":4,"chunk":1,"delayMs":1}`])
    expect(rerun.record.ok).toBe(true)
    expect((await cliInProcess(project, ["audit"])).code).toBe(0)
    expect(storeProblems(project.store)).toEqual([])
  })
})

describe("fault injection (`pnpm bench faults` on the fixture DAG, a few of its seeded moments)", () => {
  it("survives SIGKILL of the runner alone and of its process group, and Ctrl-C, at random moments", { timeout: 900_000 }, async () => {
    const done = await benchRun
    if ("error" in done) throw done.error
    const report = JSON.parse(done.stdout)
    expect(report.failures).toEqual([])
    expect(report.kills.map((k: { target: string }) => k.target)).toEqual(["runner alone", "process group"])
    for (const kill of report.kills) expect(kill).toMatchObject({ storeProblems: 0, rerunExit: 0, auditExit: 0 })
    expect([report.finalRunExit, report.finalAuditExit]).toEqual([0, 0])
    expect(report.objectsChecked).toBeGreaterThan(0)
    expect(report.interrupts).toHaveLength(2)
  })
})
