/**
 * `pnpm bench runner [--json]`: the pipeline runner's own costs.
 * - no-op rerun of a cached test DAG, as a whole process started through the `.ts` loader
 *   (`node --import pipeline/ts-loader/register.mjs main.ts run`: the launcher's fallback; the test
 *   DAG lives outside the project, so it is not bundled. `pnpm bench noop` times `pnpm pipeline run`
 *   itself on SEED's DAG, beside Snakemake);
 *   whether that process loaded TensorFlow.js (it must not: stages import it inside `run`);
 *   the floor: plain node importing only the dependencies the no-op run preloads;
 * - sha256 throughput on a large artifact: full read vs stat-cache hit.
 * Others share the cores: read the numbers with the load average printed next to them.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { openStatCache } from "../pipeline/stat-cache.ts"
import { benchArgs } from "./args.ts"
import { median } from "./timing.ts"
import { fixtureFiles, repoRoot } from "../test/pipeline/fixture-sources.ts"

const { values: flags } = benchArgs("pnpm bench runner [--json]", { options: { json: { type: "boolean", default: false } } })
const json = flags.json
const say = (line: string) => void (json || console.log(line))
const load = () => os.loadavg()[0].toFixed(2)

const tsLoader = pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/register.mjs")).href

const makeProject = (): string => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "bench-runner-")))
  for (const [rel, text] of Object.entries(fixtureFiles)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), text)
  }
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"))
  return dir
}

const timed = (dir: string, args: Array<string>) => {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...process.env, REPORT_TF_LOADED: "1" } })
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`)
  return { seconds: (performance.now() - t0) / 1000, stdout: r.stdout, stderr: r.stderr }
}

const cli = (dir: string, args: Array<string>) => timed(dir, ["--import", tsLoader, "main.ts", ...args])

/** Startup floor: plain node (no hooks) importing just the dependencies a no-op run preloads. */
const dependencyFloor = (dir: string): { seconds: number; modules: number } => {
  const preload = pathToFileURL(path.join(repoRoot, "pipeline/ts-loader/preload.mjs")).href
  const entry = pathToFileURL(path.join(dir, "main.ts")).href
  fs.writeFileSync(path.join(dir, "floor.mjs"), `import { dependenciesOf } from ${JSON.stringify(preload)}
const deps = dependenciesOf(${JSON.stringify(entry)})
await Promise.all(deps.map((u) => import(u)))
console.log(deps.length)\n`)
  const samples = [1, 2, 3].map(() => timed(dir, ["floor.mjs"]))
  return { seconds: median(samples.map((s) => s.seconds)), modules: Number(samples[0].stdout.trim()) }
}

const noopBench = () => {
  const dir = makeProject()
  try {
    const args = ["run", "--set", "withTf=true"]
    const loadBefore = load()
    const first = cli(dir, args)
    const samples = [1, 2, 3, 4, 5].map(() => cli(dir, args))
    const runs = fs.readdirSync(path.join(dir, "artifacts", "runs")).sort()
    const last = JSON.parse(fs.readFileSync(path.join(dir, "artifacts", "runs", runs[runs.length - 1]), "utf8"))
    const floor = dependencyFloor(dir)
    return {
      stages: Object.keys(last.stages).length,
      loadAverage: { before: Number(loadBefore), after: Number(load()) },
      firstRunSeconds: first.seconds,
      firstRunLoadedTf: first.stderr.includes("tfjs-loaded=true"),
      noopProcessSeconds: median(samples.map((s) => s.seconds)),
      noopRunnerSeconds: last.seconds,
      noopLoadedTf: samples.some((s) => s.stderr.includes("tfjs-loaded=true")),
      allCached: Object.values(last.stages).every((s: any) => s.outcome === "cached"),
      dependencyFloorSeconds: floor.seconds,
      preloadedModules: floor.modules
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const hashBench = async (megabytes: number) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-hash-"))
  try {
    const file = path.join(dir, "artifact.bin")
    const chunk = Buffer.alloc(1 << 20, 0xab)
    const fd = fs.openSync(file, "w")
    for (let i = 0; i < megabytes; i++) fs.writeSync(fd, chunk)
    fs.closeSync(fd)
    const cache = Effect.runSync(openStatCache(path.join(dir, "stat.json")))
    const time = async (f: () => Promise<unknown>) => {
      const t0 = performance.now()
      await f()
      return (performance.now() - t0) / 1000
    }
    const cold = await time(() => Effect.runPromise(cache.hash(file)))
    await Effect.runPromise(cache.save)
    const reopened = Effect.runSync(openStatCache(path.join(dir, "stat.json")))
    const cached = await time(() => Effect.runPromise(reopened.hash(file)))
    return {
      megabytes,
      fullHashSeconds: cold,
      fullHashMBps: megabytes / cold,
      statCachedSeconds: cached,
      statCachedEffectiveMBps: megabytes / cached,
      statCacheReads: reopened.stats.reads
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const noop = noopBench()
say(`no-op rerun of a cached ${noop.stages}-stage DAG: ${noop.noopProcessSeconds.toFixed(2)} s whole process with the .ts loader ` +
  `(median of 5), ${noop.noopRunnerSeconds.toFixed(3)} s inside the runner; ` +
  `all cached: ${noop.allCached}; loaded tfjs: ${noop.noopLoadedTf}`)
say(`  (first run: ${noop.firstRunSeconds.toFixed(2)} s, loaded tfjs: ${noop.firstRunLoadedTf}; plain node importing only the ` +
  `${noop.preloadedModules} preloaded dependencies: ${noop.dependencyFloorSeconds.toFixed(2)} s; load average ${noop.loadAverage.before} -> ${noop.loadAverage.after})`)
const hashing = await hashBench(256)
say(`sha256 of a ${hashing.megabytes} MiB artifact: ${hashing.fullHashSeconds.toFixed(2)} s = ${hashing.fullHashMBps.toFixed(0)} MiB/s reading it; ` +
  `stat-cached: ${(hashing.statCachedSeconds * 1000).toFixed(2)} ms (${hashing.statCacheReads} reads)`)
if (json) console.log(JSON.stringify({ node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), noop, hashing }, null, 2))
