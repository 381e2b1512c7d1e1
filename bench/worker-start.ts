/**
 * `pnpm bench worker-start [--store dir] [--profile smoke] [--stage probe:supervised@s0] [--rounds N] [--json]`:
 * what one heavy stage costs beyond the no-op when its worker process starts on the runner's bundle
 * (`node launch.mjs`, as `pnpm pipeline` starts) and when it starts through the `.ts` loader
 * (SEED_BUNDLE=0), in alternating rounds: each mode's `run --force <stage>` minus its own no-op
 * `run`, so the CLI's own start (bundle or loader) cancels out. The default stage, smoke's supervised
 * probe (about a second of L-BFGS on the tfjs backend), reruns alone (its outputs are reproducible, so
 * nothing downstream does), and its figure holds the worker's start and tfjs work as each start runs it.
 * The store must already hold the profile's run.
 */
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot } from "../test/pipeline/fixture-sources.ts"
import { benchArgs, countFlag } from "./args.ts"
import { alternatingRounds, median, spread, timedProcess } from "./timing.ts"

const usage = "pnpm bench worker-start [--store dir] [--profile smoke] [--stage probe:supervised@s0] [--rounds N] [--json]"
const { values: flags } = benchArgs(usage, {
  options: {
    store: { type: "string", default: path.join(repoRoot, "artifacts") },
    profile: { type: "string", default: "smoke" },
    stage: { type: "string", default: "probe:supervised@s0" },
    rounds: { type: "string" },
    json: { type: "boolean", default: false }
  }
})
const rounds = countFlag(usage, "rounds", flags.rounds, 7)!
const runArgs = ["pipeline/ts-loader/launch.mjs", "stages/main.ts", "run", "--profile", flags.profile, "--store", path.resolve(flags.store)]

/** Seconds of one CLI run; `expect` checks its summary line (every stage cached, or exactly one ran). */
const timed = (args: Array<string>, env: Record<string, string>, expect: RegExp): number => {
  const { seconds, stdout } = timedProcess(process.execPath, args, env)
  if (!expect.test(stdout)) {
    throw new Error(`${args.join(" ")} (${JSON.stringify(env)}) did not print ${expect}` +
      ` (run \`pnpm pipeline run --profile ${flags.profile} --store ${flags.store}\` first):\n${stdout}`)
  }
  return seconds
}
const noOp = /^run \S+: \d+ cached in /m
const oneRan = /^run \S+: \d+ cached, 1 ran in /m

const modes = { bundle: {}, loader: { SEED_BUNDLE: "0" } } as const
const commands: Record<string, () => number> = {}
for (const [mode, env] of Object.entries(modes)) {
  commands[`${mode} no-op`] = () => timed(runArgs, env, noOp)
  commands[`${mode} --force ${flags.stage}`] = () => timed([...runArgs, "--force", flags.stage], env, oneRan)
}

// warm-up: builds the bundle if needed and checks both commands' summaries once
for (const run of Object.values(commands)) run()
const loadBefore = os.loadavg()[0]
const samples = alternatingRounds(commands, rounds)
// per round, forced minus no-op of the same mode: the stage's cost, its worker's start included
const stageCost = Object.fromEntries(Object.keys(modes).map((mode) => {
  const forced = samples[`${mode} --force ${flags.stage}`], idle = samples[`${mode} no-op`]
  return [mode, spread(forced.map((s, i) => s - idle[i]))]
}))
if (flags.json) {
  console.log(JSON.stringify({ node: process.version, cpus: os.cpus().length, stage: flags.stage, rounds, samples, stageCost }, null, 2))
} else {
  console.log(`one heavy stage (${flags.stage}, ${flags.profile}) forced, minus the no-op, ${rounds} alternating rounds, seconds ` +
    `(load average ${loadBefore.toFixed(2)} -> ${os.loadavg()[0].toFixed(2)}):`)
  for (const [name, xs] of Object.entries(samples)) console.log(`  ${name.padEnd(44)} median ${median(xs).toFixed(2)}`)
  for (const [mode, s] of Object.entries(stageCost)) {
    console.log(`  stage cost, worker on the ${mode.padEnd(6)} median ${s.median.toFixed(2)}  range ${s.min.toFixed(2)}-${s.max.toFixed(2)}`)
  }
}
