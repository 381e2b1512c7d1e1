/**
 * `pnpm bench noop [--store dir] [--profile name] [--rounds N] [--json]`: the no-op rerun of SEED's own
 * DAG as a user starts it, beside Snakemake's no-op of the same DAG shape (bench/snakemake/Snakefile,
 * when `snakemake` is on PATH), in alternating rounds so both see the same machine:
 * - `pnpm pipeline run` (what the README says to type), and the same command without pnpm
 *   (`node pipeline/ts-loader/launch.mjs stages/main.ts run`, the bundle launcher);
 * - the same without the bundle (SEED_BUNDLE=0: the `.ts` loader), and `pnpm --version` (pnpm's own start).
 * The store must already hold the profile's run: every timed run must report all stages cached.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { benchArgs, numberFlag } from "./args.ts"
import { alternatingRounds, spread, timedProcess as timed } from "./timing.ts"
import { repoRoot } from "../test/pipeline/fixture-sources.ts"

const usage = "pnpm bench noop [--store dir] [--profile name] [--rounds N] [--json]"
const { values: flags } = benchArgs(usage, {
  options: {
    store: { type: "string", default: path.join(repoRoot, "artifacts") },
    profile: { type: "string", default: "quick" },
    rounds: { type: "string" },
    json: { type: "boolean", default: false }
  }
})
const rounds = numberFlag(usage, "rounds", flags.rounds, 7)
const say = (line: string) => void (flags.json || console.log(line))

const runArgs = ["run", "--profile", flags.profile, "--store", path.resolve(flags.store)]
/** The stage count of a run's summary line that says every stage was cached (`run <id>: 24 cached in 0.21s`). */
const allCached = (stdout: string) => {
  const summary = /^run \S+: (\d+) cached in /m.exec(stdout)
  if (summary === null)
    throw new Error(`not a no-op (run \`pnpm pipeline run --profile ${flags.profile} --store ${flags.store}\` first):\n${stdout}`)
  return Number(summary[1])
}

const snakemakeDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-noop-snakemake-"))
const snakemakeArgs = ["--snakefile", path.join(repoRoot, "bench/snakemake/Snakefile"), "--directory", snakemakeDir, "--cores", "2", "-q"]
const hasSnakemake = spawnSync("snakemake", ["--version"], { encoding: "utf8" }).status === 0

const commands: Record<string, () => number> = {
  "pnpm pipeline run": () => timed("pnpm", ["pipeline", ...runArgs]).seconds,
  "node launch.mjs (no pnpm)": () => timed(process.execPath, ["pipeline/ts-loader/launch.mjs", "stages/main.ts", ...runArgs]).seconds,
  "node + .ts loader (SEED_BUNDLE=0)": () =>
    timed(process.execPath, ["pipeline/ts-loader/launch.mjs", "stages/main.ts", ...runArgs], { SEED_BUNDLE: "0" }).seconds,
  "pnpm --version": () => timed("pnpm", ["--version"]).seconds,
  ...(hasSnakemake ? { "snakemake no-op": () => timed("snakemake", snakemakeArgs).seconds } : {})
}

try {
  // warm-up: builds the bundle if needed, checks the store is a no-op, gives Snakemake its outputs
  const stages = allCached(timed("pnpm", ["pipeline", ...runArgs]).stdout)
  if (hasSnakemake) timed("snakemake", snakemakeArgs)
  const loadBefore = os.loadavg()[0]
  const samples = alternatingRounds(commands, rounds)
  const summary = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, { ...spread(xs), samples: xs }]))
  say(`no-op rerun of ${flags.profile}'s ${stages} cached stages (store ${flags.store}), ${rounds} alternating rounds, seconds ` +
    `(load average ${loadBefore.toFixed(2)} -> ${os.loadavg()[0].toFixed(2)}):`)
  for (const [name, s] of Object.entries(summary)) say(`  ${name.padEnd(36)} median ${s.median.toFixed(2)}  range ${s.min.toFixed(2)}-${s.max.toFixed(2)}`)
  if (!hasSnakemake) say("  (snakemake is not on PATH: no peer figure)")
  else {
    const ratio = (a: string) => summary[a].median / summary["snakemake no-op"].median
    say(`  / Snakemake: pnpm pipeline run ${ratio("pnpm pipeline run").toFixed(2)}x, without pnpm ${ratio("node launch.mjs (no pnpm)").toFixed(2)}x`)
  }
  if (flags.json) console.log(JSON.stringify({ node: process.version, cpus: os.cpus().length, stages, rounds, summary }, null, 2))
} finally {
  fs.rmSync(snakemakeDir, { recursive: true, force: true })
}
