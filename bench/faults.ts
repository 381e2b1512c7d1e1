/**
 * `pnpm bench faults [--dag smoke|fixture] [--kills 20] [--interrupts 10] [--seed 1] [--window-ms N] [--json]`:
 * fault injection through the real CLI (started as `pnpm pipeline` starts it), at seeded random moments.
 * - kills: SIGKILL of the runner alone (even kills) or of its whole process group (odd kills). After
 *   each: the runner's workers must be gone within 5 s, and every object in the store must hash to
 *   its name with no index entry pointing at a missing one. Each kill hits a fresh config (the fixture's
 *   row count, smoke's data seed), so the run it interrupts is computing, not reusing a warm store; it is
 *   followed by a rerun of that config and `audit`, which must pass, and one last run plus `audit` must pass.
 * - interrupts: SIGINT to the runner alone (even ones) or to its process group, as a terminal's Ctrl-C
 *   sends it (odd ones); it must exit with 130 (or, before the CLI has loaded, die of
 *   SIGINT, which a shell reports as 130 too); the time it takes is the latency.
 * Others share the cores: read the times with the load average printed next to them.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Schema } from "effect"
import { makeRng } from "../data/random.ts"
import { RunRecord } from "../pipeline/records.ts"
import { benchArgs, numberFlag } from "./args.ts"
import { fixtureFiles, repoRoot } from "../test/pipeline/fixture-sources.ts"
import { objectCount, storeProblems } from "../test/support/store-integrity.ts"

const usage = "pnpm bench faults [--dag smoke|fixture] [--kills 20] [--interrupts 10] [--seed 1] [--window-ms N] [--json]"
const text = { type: "string" } as const
const { values: flags } = benchArgs(usage, {
  options: { dag: text, kills: text, interrupts: text, seed: text, "window-ms": text, json: { type: "boolean" } }
})
const json = flags.json === true
const dag = flags.dag ?? "smoke"
if (dag !== "smoke" && dag !== "fixture") {
  console.error(`--dag expects smoke or fixture, got "${dag}"\nusage: ${usage}`)
  process.exit(2)
}
const kills = numberFlag(usage, "kills", flags.kills, 20)
const interrupts = numberFlag(usage, "interrupts", flags.interrupts, 10)
const seed = numberFlag(usage, "seed", flags.seed, 1)
const windowFlag = flags["window-ms"] === undefined ? undefined : numberFlag(usage, "window-ms", flags["window-ms"], 0)
const say = (line: string) => void (json || console.log(line))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "bench-faults-")))
const store = path.join(scratch, "artifacts")

/** Where the CLI runs and how each run is varied (a fresh config per run, so every run computes). */
const project = (() => {
  // a new seed changes the synthetic images and every stage after them
  if (dag === "smoke") return { dir: repoRoot, entry: "stages/main.ts", args: ["--profile", "smoke"], variant: (i: number) => ["--set", `dataset.seed=${1000 + i}`] }
  for (const [rel, text] of Object.entries(fixtureFiles)) {
    fs.mkdirSync(path.dirname(path.join(scratch, rel)), { recursive: true })
    fs.writeFileSync(path.join(scratch, rel), text)
  }
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(scratch, "node_modules"))
  const heavy = ["--set", "heavyShift=true", "--set", "heavyBig=true", "--set", `big={"bytes":30,"chunk":1,"delayMs":60,"spin":true}`]
  return { dir: scratch, entry: "main.ts", args: heavy, variant: (i: number) => ["--set", `source.rows=${50 + i}`] }
})()
const cliArgs = (command: string, extra: ReadonlyArray<string> = []) =>
  ["--import", pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/register.mjs")).href, project.entry, command, "--store", store, ...extra]
const runArgs = (extra: ReadonlyArray<string>) => cliArgs("run", [...project.args, ...extra])

const startRun = (extra: ReadonlyArray<string>) => {
  // its own process group, so a kill of the group takes its workers and nothing else
  const child = spawn(process.execPath, runArgs(extra), { cwd: project.dir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } })
  let lastLine = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => (lastLine = d.trim().split("\n").pop() ?? lastLine))
  child.stderr.resume()
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })))
  // "close" comes after the pipes are drained: only then is lastLine the run's real last line
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()))
  return { child, exited, closed, lastLine: () => lastLine }
}

const runToEnd = (command: string, extra: ReadonlyArray<string>) => {
  const args = command === "run" ? runArgs(extra) : cliArgs(command, extra)
  const r = spawnSync(process.execPath, args, { cwd: project.dir, encoding: "utf8" })
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}

/** Children of `pid` (its stage workers), from /proc. */
const childrenOf = (pid: number): Array<number> =>
  fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8")
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid ? [Number(d)] : []
    } catch {
      return []
    }
  })

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")
  } catch {
    return false
  }
}

const waitGone = async (pids: ReadonlyArray<number>, limitMs: number) => {
  const t0 = Date.now()
  while (pids.some(alive) && Date.now() - t0 < limitMs) await sleep(10)
  return { ms: Date.now() - t0, left: pids.filter(alive) }
}

// the moments are spread over one whole run: a clean run of a fresh config timed first (startup included;
// after a `status`, which loads every stage's module and hashes its code but runs nothing, so the
// loader's cache and the store's stat cache are warm for a fraction of a run's time)
const cleanRunMs = (variant: number) => {
  const started = Date.now()
  const run = runToEnd("run", project.variant(variant))
  if (run.code !== 0) throw new Error(`the clean run failed:\n${run.output}`)
  return Date.now() - started
}
if (windowFlag === undefined) {
  const warm = runToEnd("status", [...project.args, ...project.variant(-2)])
  if (warm.code !== 0) throw new Error(`status failed:\n${warm.output}`)
}
const windowMs = windowFlag ?? cleanRunMs(-2)
say(`kill moments drawn uniformly in 0..${windowMs} ms after a run starts (seed ${seed})`)
const rng = makeRng(`bench-faults/${seed}`)
const failures: Array<string> = []
const killLog: Array<Record<string, unknown>> = []
const t0 = Date.now()
let attempts = 0
while (killLog.length < kills && attempts++ < kills * 3) {
  const i = killLog.length
  const variant = project.variant(attempts) // a fresh config per attempt: a run that finished first leaves nothing cached for the next
  const group = i % 2 === 1
  const afterMs = Math.round(rng.next() * windowMs)
  const run = startRun(variant)
  const finishedFirst = await Promise.race([run.exited.then(() => true), sleep(afterMs).then(() => false)])
  if (finishedFirst) {
    say(`  run finished before its kill at ${afterMs} ms: drawing another moment`)
    continue
  }
  const workers = childrenOf(run.child.pid!)
  const running = run.lastLine()
  process.kill(group ? -run.child.pid! : run.child.pid!, "SIGKILL")
  await run.exited
  const gone = await waitGone(workers, 5_000)
  if (gone.left.length > 0) failures.push(`kill ${i + 1}: workers ${gone.left.join(", ")} outlived their runner`)
  for (const pid of gone.left) process.kill(pid, "SIGKILL")
  const problems = storeProblems(store)
  failures.push(...problems.map((p) => `kill ${i + 1}: ${p}`))
  const entry: Record<string, unknown> = { kill: i + 1, target: group ? "process group" : "runner alone", afterMs, running, workers: workers.length, workersGoneMs: gone.ms, storeProblems: problems.length }
  const rerun = runToEnd("run", variant), audit = runToEnd("audit", [])
  if (rerun.code !== 0) failures.push(`kill ${i + 1}: rerun exited ${rerun.code}:\n${rerun.output}`)
  if (audit.code !== 0) failures.push(`kill ${i + 1}: audit exited ${audit.code}:\n${audit.output}`)
  Object.assign(entry, { rerunExit: rerun.code, auditExit: audit.code })
  killLog.push(entry)
  say(`kill ${i + 1}/${kills} (${entry.target}) at ${afterMs} ms during "${running}": ${workers.length} worker(s) gone in ${gone.ms} ms, ` +
    `${problems.length} store problem(s), rerun exit ${rerun.code}, audit exit ${audit.code}`)
}
const finalRun = runToEnd("run", project.variant(attempts + 1))
const finalAudit = runToEnd("audit", [])
if (finalRun.code !== 0) failures.push(`final run exited ${finalRun.code}:\n${finalRun.output}`)
if (finalAudit.code !== 0) failures.push(`final audit exited ${finalAudit.code}:\n${finalAudit.output}`)
failures.push(...storeProblems(store).map((p) => `after the final run: ${p}`))
const killSeconds = (Date.now() - t0) / 1000
say(`${killLog.length} kills: final run exit ${finalRun.code}, audit exit ${finalAudit.code}, ${objectCount(store)} objects checked, ${failures.length} failure(s) (${killSeconds.toFixed(0)} s)`)

/** A run's record in the store, decoded with the store's own schema. */
const readRunRecord = (runId: string): RunRecord =>
  Schema.decodeUnknownSync(RunRecord)(JSON.parse(fs.readFileSync(path.join(store, "runs", `${runId}.json`), "utf8")))

// Ctrl-C: every stage forced, so each moment falls in planning, a stage in-process or one in a worker
const lastRunId = fs.readdirSync(path.join(store, "runs")).sort().pop()!.replace(/\.json$/, "")
const stageNames = Object.keys(readRunRecord(lastRunId).stages)
// `pipeline run`'s last line once the run is over: "run <id>: 7 ran in 4.38s"
const finishedLine = /^run (\S+): .* in [\d.]+s$/
/**
 * Whether a run that exited 0 had finished its work (its record's finishedAt) before `sentAt`: its last
 * line can still be in the pipe when the signal goes, so the line seen at that moment cannot tell.
 */
const finishedBefore = (lastLine: string, sentAt: number): boolean => {
  const runId = finishedLine.exec(lastLine)?.[1]
  if (runId === undefined) return false
  return Date.parse(readRunRecord(runId).finishedAt) <= sentAt
}
const interruptLog: Array<{ target: string; afterMs: number; running: string; code: number | null; signal: string | null; latencyMs: number }> = []
for (let j = 0; j < interrupts; j++) {
  const afterMs = Math.round(rng.next() * windowMs)
  const run = startRun([...project.variant(attempts + 2), ...stageNames.flatMap((s) => ["--force", s])])
  if (await Promise.race([run.exited.then(() => true), sleep(afterMs).then(() => false)])) {
    j--
    continue
  }
  const running = run.lastLine()
  const workers = childrenOf(run.child.pid!)
  const group = j % 2 === 1
  const sentAt = Date.now()
  process.kill(group ? -run.child.pid! : run.child.pid!, "SIGINT")
  const { code, signal, at } = await run.exited
  // the run had already finished its work and written its record (exiting): nothing was left to
  // interrupt, so this moment tests nothing; draw another, as for a run that exited before the moment
  // came. A run that exits 0 having finished after the signal went ignored it: that stays a failure
  if (code === 0) await run.closed
  if (code === 0 && finishedBefore(run.lastLine(), sentAt)) {
    j--
    continue
  }
  if (code !== 130 && signal !== "SIGINT") failures.push(`interrupt ${j + 1}: exit ${code ?? signal}, not 130`)
  interruptLog.push({ target: group ? "process group" : "runner alone", afterMs, running, code, signal, latencyMs: at - sentAt })
  say(`interrupt ${j + 1}/${interrupts} (${group ? "process group" : "runner alone"}) at ${afterMs} ms during "${running}": exit ${code ?? signal} after ${at - sentAt} ms`)
  const gone = await waitGone(workers, 5_000)
  if (gone.left.length > 0) failures.push(`interrupt ${j + 1}: workers ${gone.left.join(", ")} outlived their interrupted runner`)
}
const latencies = interruptLog.map((x) => x.latencyMs).sort((a, b) => a - b)
if (interrupts > 0) say(`Ctrl-C: ${interruptLog.filter((x) => x.code === 130).length}/${interrupts} exited 130, ${interruptLog.filter((x) => x.signal === "SIGINT").length} died of SIGINT while loading; latency median ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies[latencies.length - 1]} ms`)
say(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} cores`)
for (const f of failures) say(`FAILURE: ${f}`)
if (json) {
  console.log(JSON.stringify({
    dag, seed, windowMs, killSeconds, node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(),
    kills: killLog, finalRunExit: finalRun.code, finalAuditExit: finalAudit.code, objectsChecked: objectCount(store),
    interrupts: interruptLog, failures
  }, null, 2))
}
fs.rmSync(scratch, { recursive: true, force: true })
process.exitCode = failures.length > 0 ? 1 : 0
