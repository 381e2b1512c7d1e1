/** A throwaway project holding the test DAG, plus helpers to run it in-process or through its CLI. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { vi } from "vitest"
import { cliProgram } from "../../pipeline/cli/run-cli.ts"
import { runPipeline, type RunOptions } from "../../pipeline/executor.ts"
import type { RunRecord, StageOutcome } from "../../pipeline/records.ts"
import { sessionLayer } from "../../pipeline/session.ts"
import type { PipelineDefinition } from "../../pipeline/stage.ts"
import { makeTempDir, removeTempDir } from "../support/temp-dir.ts"
import { fixtureFiles, repoRoot, tsLoader } from "./fixture-sources.ts"

export interface FixtureProject {
  readonly dir: string
  readonly store: string
  readonly file: (rel: string) => string
  readonly edit: (rel: string, change: (text: string) => string) => void
  readonly cleanup: () => Promise<void>
}

/** A fresh dir under the repo's git-ignored .tmp/; the caller removes it. */
const makeRepoTempDir = (prefix: string): string => {
  const base = path.join(repoRoot, ".tmp")
  fs.mkdirSync(base, { recursive: true })
  return fs.realpathSync(fs.mkdtempSync(path.join(base, prefix)))
}

/**
 * Writes the fixture DAG into a fresh temp dir (node_modules linked to this repo's). `inRepo`: under the
 * repo's git-ignored .tmp/ instead of os.tmpdir(), where the launcher will bundle its entry.
 */
export const makeFixtureProject = ({ inRepo = false }: { readonly inRepo?: boolean } = {}): FixtureProject => {
  const dir = inRepo ? makeRepoTempDir("pipeline-fixture-") : makeTempDir("pipeline-fixture-")
  for (const [rel, text] of Object.entries(fixtureFiles)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), text)
  }
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"))
  const file = (rel: string) => path.join(dir, rel)
  return {
    dir,
    store: path.join(dir, "artifacts"),
    file,
    edit: (rel, change) => fs.writeFileSync(file(rel), change(fs.readFileSync(file(rel), "utf8"))),
    cleanup: () => removeTempDir(dir)
  }
}

/** Makes the fixture's `scale` stage heavy (run in a worker process), as `heavyShift=true` does for `shift`. */
export const makeScaleHeavy = (project: FixtureProject): void =>
  project.edit("stages/scale.ts", (text) => text.replace('name: "scale", module: import.meta.url,', 'name: "scale", module: import.meta.url, heavy: true,'))

/** Imports the fixture's definition afresh (module registry reset, so edited files are re-evaluated). */
export const loadDefinition = async (project: FixtureProject): Promise<PipelineDefinition<any>> => {
  vi.resetModules()
  const mod = await import(/* @vite-ignore */ pathToFileURL(project.file("pipeline.ts")).href)
  return mod.definition
}

export interface InProcessRun {
  readonly record: RunRecord
  readonly outcomes: Record<string, StageOutcome>
}

/** Runs the fixture in this process with `--set`-style overrides. */
export const runFixture = async (
  project: FixtureProject,
  sets: ReadonlyArray<string> = [],
  options: RunOptions = {}
): Promise<InProcessRun> => {
  const definition = await loadDefinition(project)
  const record = await Effect.runPromise(
    runPipeline(options).pipe(Effect.provide(sessionLayer(definition, { store: project.store, sets })))
  )
  const outcomes = Object.fromEntries(Object.entries(record.stages).map(([k, v]) => [k, v.outcome]))
  return { record, outcomes }
}

/** Names of the stages with a given outcome, sorted. */
export const withOutcome = (run: InProcessRun, outcome: StageOutcome): Array<string> =>
  Object.entries(run.outcomes).filter(([, o]) => o === outcome).map(([k]) => k).sort()

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}


/** Spawns `node --import <the project's .ts loader> main.ts ...args` in the fixture project, as `pnpm pipeline` starts (`detached`: in its own process group). */
export const spawnCli = (
  project: FixtureProject,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  { detached = false }: { readonly detached?: boolean } = {}
) => {
  const child = spawn(process.execPath, ["--import", tsLoader, "main.ts", ...args], {
    cwd: project.dir,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached
  })
  let stdout = "", stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  const done = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })))
  return { child, done }
}

export const runCli = (project: FixtureProject, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawnCli(project, args, env).done

/** Runs the fixture's CLI inside this process (fresh definition), capturing what it prints. */
export const cliInProcess = async (project: FixtureProject, args: ReadonlyArray<string>): Promise<CliResult> => {
  const definition = await loadDefinition(project)
  const out: Array<string> = [], err: Array<string> = []
  const program = Effect.gen(function* () {
    const base = yield* Effect.console
    const capture = (into: Array<string>) => (...xs: ReadonlyArray<unknown>) => void into.push(xs.map(String).join(" "))
    const console: Console.Console = {
      ...base,
      log: (...xs) => Effect.sync(() => capture(out)(...xs)),
      error: (...xs) => Effect.sync(() => capture(err)(...xs)),
      unsafe: { ...base.unsafe, log: capture(out), error: capture(err) }
    }
    return yield* Effect.withConsole(cliProgram(definition, ["node", "main.ts", ...args]), console)
  })
  const previous = process.cwd()
  process.chdir(project.dir)
  try {
    const code = await Effect.runPromise(program)
    return { code, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") }
  } finally {
    process.chdir(previous)
  }
}
