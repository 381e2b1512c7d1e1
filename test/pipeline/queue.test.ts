/**
 * Distributed execution: a coordinator (`run --executor queue`) and `pipeline worker`s on separate
 * stores sharing one Redis and one S3-compatible bucket (s3rver) give the same artifact hashes as a
 * one-machine run; a worker killed with SIGKILL mid-stage leaves a run that still completes.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { IndexEntry } from "../../pipeline/records.ts"
import { redisMissing, startRedis, type RedisTestServer } from "../support/redis-server.ts"
import { startS3Server, type S3TestServer } from "../support/s3-server.ts"
import { cliInProcess, makeFixtureProject, spawnCli, type FixtureProject } from "./fixture-project.ts"

const STAGES = ["combine:p", "combine:q", "report", "scale", "shift", "source"]
const missing = redisMissing()
if (missing) console.warn(`skipping the queue tests: ${missing}`)

describe.skipIf(missing !== undefined)("queue executor (BullMQ on redis-server, s3rver)", () => {
  let project: FixtureProject
  let s3: S3TestServer
  let redis: RedisTestServer
  let env: Record<string, string>
  let baseline: Record<string, Record<string, string>>
  const workers: Array<ReturnType<typeof spawnCli>> = []
  const saved = { ...process.env }
  // the coordinator runs in this process (one process start less per run on a loaded machine); workers are processes
  const coordinate = (storeName: string, remote: string, ...more: Array<string>) =>
    cliInProcess(project, ["run", "--executor", "queue", "--redis", redis.url, "--remote", remote, "--store", store(storeName), ...more])
  const store = (name: string) => path.join(project.dir, name)
  const outputHashes = (name: string) =>
    Object.fromEntries(STAGES.map((s) => {
      const head = JSON.parse(fs.readFileSync(path.join(store(name), "index", encodeURIComponent(s), "HEAD.json"), "utf8")) as IndexEntry
      return [s, Object.fromEntries(Object.entries(head.outputs).map(([o, r]) => [o, r.hash]))]
    }))

  /** A `pipeline worker`, once it says it is ready. */
  const startWorker = async (storeName: string, remote: string, lockMs = 30_000) => {
    const worker = spawnCli(project, ["worker", "--store", store(storeName), "--redis", redis.url, "--remote", remote, "--lock-duration", String(lockMs)], env)
    workers.push(worker)
    let out = ""
    worker.child.stdout!.on("data", (d) => (out += d))
    for (let waited = 0; !out.includes("ready:"); waited += 50) {
      if (waited > 90_000 || worker.child.exitCode !== null) throw new Error(`worker did not start: ${out}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    return { ...worker, output: () => out }
  }
  const stopWorker = async (worker: ReturnType<typeof spawnCli>) => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM")
    return worker.done
  }

  beforeAll(async () => {
    project = makeFixtureProject()
    ;[s3, redis] = await Promise.all([startS3Server(project.dir), startRedis()])
    env = { ...s3.env, PIPELINE_REMOTE_KEY: "queue-test-key-0123456789abcdef0123456789" }
    Object.assign(process.env, env)
    const local = await cliInProcess(project, ["run", "--store", store("one-machine")])
    expect(local.code).toBe(0)
    baseline = outputHashes("one-machine")
  }, 180_000)
  afterAll(async () => {
    process.env = saved
    await Promise.all(workers.map(stopWorker))
    await Promise.all([s3?.close(), redis?.close()])
    await project?.cleanup()
  })

  it("two workers on separate stores and one remote give the one-machine run's hashes", async () => {
    const remote = `s3://${s3.bucket}/two-workers`
    const [a, b] = await Promise.all([startWorker("worker-a", remote), startWorker("worker-b", remote)])
    const run = await coordinate("coordinator", remote)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/6 ran/)
    expect(run.stdout).toMatch(/\[scale\] taken by worker [^\s:]+:\d+/) // remote logs and progress reach the coordinator
    expect(run.stdout).toContain("[scale] 1/1 scaled")
    expect(outputHashes("coordinator")).toEqual(baseline)
    const computed = (out: string) => [...out.matchAll(/^\[(\S+)\] computed$/gmu)].map((m) => m[1])
    const byA = computed(a.output()), byB = computed(b.output())
    // each stage computed by one of them (at least once: delivery is at-least-once, and harmless)
    expect([...new Set([...byA, ...byB])].sort()).toEqual(STAGES)
    expect(byA.length).toBeGreaterThan(0)
    expect(byB.length).toBeGreaterThan(0)

    // a second run finds everything in the remote cache: nothing is queued
    const again = await coordinate("coordinator-2", remote)
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/6 cached/)
    expect(again.stdout).not.toContain("queued as job")

    // a stage failing on a worker fails the run once (no retry), with the stage's own message and hint
    const failing = await coordinate("coordinator-3", remote, "--set", "shift.fail=true")
    expect(failing.code).toBe(1)
    expect(failing.stdout).toContain("[shift] failed: shift was told to fail (fixture)\n  hint: unset shift.fail")
    expect(failing.stderr).toMatch(/stage\(s\) failed: shift/)
    expect(`${a.output()}${b.output()}`.match(/\[shift\] taken/g)).toHaveLength(2) // the first run's and this one's
    await Promise.all([stopWorker(a), stopWorker(b)])
  }, 300_000)

  it("a worker killed with SIGKILL mid-stage: the job is retried by another worker and the run completes", async () => {
    const remote = `s3://${s3.bucket}/killed`
    // the rescuer starts after the kill: on a loaded machine that may take longer than the default worker timeout
    // scale sleeps 2 s: the kill comes 500 ms after the job is taken, before its stage process can even have finished starting
    const sets = ["--set", "scale.sleepMs=2000", "--worker-timeout", "300"]
    // a short lock, so that the dead worker's job is handed on within seconds (long enough for a loaded CI machine)
    const doomed = await startWorker("doomed", remote, 5000)
    const coordinator = coordinate("coordinator-k", remote, ...sets)
    for (let waited = 0; !doomed.output().includes("[scale] taken"); waited += 50) {
      if (waited > 60_000) throw new Error(`scale never reached the doomed worker: ${doomed.output()}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    // the rescuer starts while the doomed worker holds scale (it may take the other ready jobs meanwhile),
    // so its start overlaps the dead worker's lock running out
    const rescuing = startWorker("rescuer", remote, 5000)
    await new Promise((r) => setTimeout(r, 500)) // mid-job: the stage process is starting or sleeping
    // the machine dies: the worker and the stage process it forked, both with SIGKILL
    spawnSync("pkill", ["-KILL", "-P", String(doomed.child.pid)])
    process.kill(doomed.child.pid!, "SIGKILL")
    await doomed.done
    const rescuer = await rescuing
    const run = await coordinator
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/6 ran/)
    expect(rescuer.output()).toMatch(/^\[scale\] taken \(job [0-9a-f]{12}, attempt 1\)$/m)
    expect(rescuer.output()).toMatch(/^\[scale\] computed$/m)
    expect(doomed.output()).not.toMatch(/^\[scale\] computed$/m)
    expect(outputHashes("coordinator-k")).toEqual(baseline)
    await stopWorker(rescuer)
  }, 300_000)

  it("a coordinator with no worker on its queue says how to start one, then gives up after --worker-timeout, keeping what it has", async () => {
    const remote = `s3://${s3.bucket}/lonely`
    // the one-machine run publishes its stages (all cached): source is there, scale with other params is not
    expect((await cliInProcess(project, ["run", "--store", store("one-machine"), "--remote", remote])).code).toBe(0)
    const run = await coordinate("coordinator-lonely", remote, "--queue", "lonely", "--worker-timeout", "2", "--set", "scale.sleepMs=1")
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      `[queue] no worker is taking jobs from queue "lonely" at ${redis.url}; start one on any machine with this commit: ` +
        `pipeline worker --redis ${redis.url} --remote ${remote} --queue lonely (this run gives up after 2 s without one: --worker-timeout)`
    )
    expect(run.stdout).toContain("[scale] failed: not run: no worker took jobs from the queue (--worker-timeout)")
    expect(run.stderr).toContain(`error: no worker took jobs from queue "lonely" at ${redis.url} for 2 s (--worker-timeout 2)`)
    expect(run.stderr).toMatch(/\nhint: start a worker \(pipeline worker --redis .+\) and run again: completed stages stay cached/)
    // what the run had is kept: the stages it pulled, and its run record
    expect(run.stdout).toMatch(/\[source\] cached: fetched from the remote cache/)
    expect(fs.existsSync(path.join(store("coordinator-lonely"), "index", "source", "HEAD.json"))).toBe(true)
    expect(fs.readdirSync(path.join(store("coordinator-lonely"), "runs"))).toHaveLength(1)
  }, 300_000)
})
