/**
 * `pnpm bench scale-out [--profile quick] [--cores 0,1] [--json]`: the goal of the worker pool on one
 * machine. The same run (`--profile`, every stage computed: fresh stores, a fresh bucket prefix and
 * queue) through `run --executor queue`, first with one `pipeline worker`, then with two, each worker
 * pinned to one core (`taskset -c N`, inherited by the stage processes it starts) and oneDNN at one
 * thread per stage (`--set compute.threads=1`, on both sides, so both runs compute the same fingerprints).
 * Redis (Debian's redis-server) and the S3 server (s3rver) run locally, unpinned, as does the
 * coordinator. The timed span is the coordinator's run, from its start to its exit; the workers are
 * started and ready before it. Prints both wall times and their ratio (goal: two workers <= 0.6x one).
 * Run it on an otherwise idle machine: others' load on the pinned cores counts against the workers.
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { repoRoot } from "../test/pipeline/fixture-sources.ts"
import { redisMissing, startRedis } from "../test/support/redis-server.ts"
import { startS3Server } from "../test/support/s3-server.ts"
import { benchArgs, numberListFlag } from "./args.ts"

const usage = "pnpm bench scale-out [--profile quick] [--cores 0,1] [--json]"
const { values: flags } = benchArgs(usage, {
  options: {
    profile: { type: "string", default: "quick" },
    cores: { type: "string", default: "0,1" },
    json: { type: "boolean", default: false }
  }
})
const json = flags.json
const say = (line: string) => void (json || console.log(line))
const cores = numberListFlag(usage, "cores", flags.cores)
const GOAL = 0.6

const fail = (message: string): never => {
  console.error(`error: ${message}`)
  process.exit(2)
}
if (cores.length !== 2 || new Set(cores).size !== 2) fail("--cores takes two different core numbers, one per worker of the two-worker run")
if (cores.some((c) => !Number.isInteger(c) || c < 0 || c >= os.cpus().length)) fail(`--cores ${flags.cores}: this machine has cores 0..${os.cpus().length - 1}`)
if (spawnSync("taskset", ["--version"]).status !== 0) fail("taskset is missing (Debian: util-linux), it pins each worker to its core")
const noRedis = redisMissing()
if (noRedis) fail(noRedis)

const tsLoader = pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/register.mjs")).href
const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "bench-scale-out-")))
const [redis, s3] = await Promise.all([startRedis(), startS3Server(scratch, "scale-out")])
const env = { ...process.env, ...s3.env, PIPELINE_REMOTE_KEY: randomBytes(32).toString("hex"), NO_COLOR: "1" }
const queueArgs = (remote: string, queue: string) => ["--redis", redis.url, "--remote", remote, "--queue", queue]
const cli = (args: ReadonlyArray<string>) => [process.execPath, "--import", tsLoader, "stages/main.ts", ...args]

interface Worker { readonly child: ReturnType<typeof spawn>; readonly output: () => string }

/** A `pipeline worker` pinned to `core`, once it says it is ready. */
const startWorker = async (core: number, store: string, remote: string, queue: string): Promise<Worker> => {
  const child = spawn("taskset", ["-c", String(core), ...cli(["worker", "--store", store, ...queueArgs(remote, queue)])], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  child.stdout!.on("data", (d) => (out += d))
  child.stderr!.on("data", (d) => (out += d))
  while (!out.includes("ready:")) {
    if (child.exitCode !== null) throw new Error(`the worker on core ${core} exited before it was ready:\n${out}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, output: () => out }
}

const stopWorker = (w: Worker) =>
  new Promise<void>((resolve) => {
    if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve()
    w.child.once("exit", () => resolve())
    w.child.kill("SIGTERM")
  })

/** One configuration: its workers, then the timed coordinator run; stages computed per worker. */
const measure = async (label: string, workerCores: ReadonlyArray<number>) => {
  const dir = path.join(scratch, label)
  const remote = `s3://${s3.bucket}/${label}`, queue = `scale-out-${label}`
  const workers: Array<Worker> = []
  try {
    for (const [i, core] of workerCores.entries()) workers.push(await startWorker(core, path.join(dir, `worker-${i}`), remote, queue))
    say(`${label}: ${workers.length} worker(s) ready on core(s) ${workerCores.join(", ")}; running the ${flags.profile} profile`)
    const started = performance.now()
    // spawned, not spawnSync: s3rver answers from this process's event loop
    const coordinator = spawn(process.execPath, cli([
      "run", "--executor", "queue", "--store", path.join(dir, "coordinator"), ...queueArgs(remote, queue),
      // the workers take the config from the job: one thread per stage there too
      "--profile", flags.profile, "--set", "compute.threads=1"
    ]).slice(1), {
      cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = "", stderr = ""
    coordinator.stdout.on("data", (d) => (stdout += d))
    coordinator.stderr.on("data", (d) => (stderr += d))
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
      coordinator.on("close", (status) => resolve({ status, stdout, stderr })))
    const seconds = (performance.now() - started) / 1000
    if (run.status !== 0) throw new Error(`the ${label} run exited ${run.status}:\n${run.stdout}\n${run.stderr}`)
    const summary = /^run \S+: (.*)$/mu.exec(run.stdout)?.[1] ?? "(no summary)"
    const computed = workers.map((w) => (w.output().match(/^\[\S+\] computed$/gmu) ?? []).length)
    say(`${label}: ${seconds.toFixed(1)} s wall (${summary}); stages computed per worker: ${computed.join(", ")}`)
    return { seconds, summary, computedPerWorker: computed }
  } finally {
    await Promise.all(workers.map(stopWorker))
  }
}

try {
  say(`scale-out on profile ${flags.profile}: one worker on core ${cores[0]}, then two on cores ${cores.join(" and ")}, compute.threads=1`)
  const one = await measure("one-worker", [cores[0]])
  const two = await measure("two-workers", cores)
  const ratio = two.seconds / one.seconds
  say(`two workers / one worker: ${ratio.toFixed(2)} (goal <= ${GOAL}: ${ratio <= GOAL ? "met" : "not met"}); ` +
    `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} cores`)
  if (json) {
    console.log(JSON.stringify({
      profile: flags.profile, cores, computeThreads: 1, oneWorker: one, twoWorkers: two, ratio, goal: GOAL, met: ratio <= GOAL,
      node: process.version, cpus: os.cpus().length, loadavg: os.loadavg()
    }, null, 2))
  }
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await Promise.all([redis.close(), s3.close()])
  fs.rmSync(scratch, { recursive: true, force: true })
}
