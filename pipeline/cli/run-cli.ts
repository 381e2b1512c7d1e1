/**
 * `runCli(definition)`: the whole command line for a pipeline definition
 * (run, status, dag, show, audit, diff, gc, worker). The executable entry point is the caller's.
 */
import * as Command from "@effect/cli/Command"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { PipelineDefinition } from "../stage.ts"
import { serveStages } from "../worker.ts"
import { recordEntryDefinition } from "../worker-process.ts"
import { WORKER_ENV, WORKER_FROM_ENTRY } from "../worker-protocol.ts"
import { auditCommand } from "./audit-command.ts"
import { dagCommand } from "./dag-command.ts"
import { diffCommand } from "./diff-command.ts"
import { gcCommand } from "./gc-command.ts"
import { reportFailure } from "./report-error.ts"
import { runCommand } from "./run-command.ts"
import { showCommand } from "./show-command.ts"
import { statusCommand } from "./status-command.ts"
import { workerCommand } from "./worker-command.ts"

/** The root command with all subcommands, as an Effect over argv. */
export const makeCli = (definition: PipelineDefinition<any>) => {
  const root = Command.make("pipeline").pipe(
    Command.withDescription(`${definition.name}: a cached, content-addressed DAG of stages`),
    Command.withSubcommands([
      runCommand(definition), statusCommand(definition), dagCommand(definition), showCommand(definition),
      auditCommand(definition), diffCommand(), gcCommand(), workerCommand(definition)
    ])
  )
  return Command.run(root, { name: definition.name, version: "0.1.0" })
}

/**
 * What @effect/cli needs from the platform (files, paths, the terminal). Not NodeContext.layer: its
 * command executor and worker manager, which nothing here uses, cost every start their module load.
 */
const cliPlatform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/** The CLI as an Effect that prints through the Console service and yields the exit code (0, 1 or 2). */
export const cliProgram = (definition: PipelineDefinition<any>, argv: ReadonlyArray<string>): Effect.Effect<number> =>
  Effect.suspend(() => makeCli(definition)(argv)).pipe(
    Effect.as(0),
    Effect.catchAllCause(reportFailure),
    Effect.provide(cliPlatform)
  )

/** Runs the CLI on `argv` (default: process.argv) and exits with 0, 1 (stage/audit failure) or 2 (usage/config). */
export const runCli = (definition: PipelineDefinition<any>, argv: ReadonlyArray<string> = process.argv): void => {
  // a worker process (worker-process.ts): on the runner's bundle it serves this definition's stages;
  // through the loader, worker-entry.ts serves them and this module was only imported for its definition
  if (process.env[WORKER_ENV] === WORKER_FROM_ENTRY) return serveStages(definition)
  if (process.env[WORKER_ENV]) return
  recordEntryDefinition(definition)
  const program = cliProgram(definition, argv).pipe(Effect.map((code) => void (process.exitCode = code)))
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    teardown: (_exit, onExit) => onExit(typeof process.exitCode === "number" ? process.exitCode : 130)
  })
}
