/**
 * What the whole-command benchmarks share: timing one process, alternating rounds over several
 * commands (so each sees the same machine), and the median and range of the samples.
 */
import { spawnSync } from "node:child_process"
import { repoRoot } from "../test/pipeline/fixture-sources.ts"

/** The upper median (the middle sample of an odd count), as every bench reports it. */
export const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Median, smallest and largest sample. */
export const spread = (xs: ReadonlyArray<number>) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) })

/** Runs `command args` in the repo and times it as a whole; a non-zero exit is an error carrying its output. */
export const timedProcess = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const t0 = performance.now()
  const r = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8", env: { ...process.env, ...env } })
  const seconds = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} (${JSON.stringify(env)}) exited with ${r.status}:\n${r.stdout}\n${r.stderr}`)
  return { seconds, stdout: r.stdout }
}

/** `rounds` rounds, each running every command once in order: name -> its samples. */
export const alternatingRounds = (commands: Record<string, () => number>, rounds: number): Record<string, Array<number>> => {
  const samples: Record<string, Array<number>> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
  for (let round = 0; round < rounds; round++) for (const [name, run] of Object.entries(commands)) samples[name].push(run())
  return samples
}
