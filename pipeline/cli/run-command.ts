/** `run [targets...]`: executes the stages (or, with --dry-run, says what would run and why). */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { RunFailed } from "../errors.ts"
import { runPipeline } from "../executor.ts"
import { lineReporter, ttyReporter } from "../progress.ts"
import type { RunRecord } from "../records.ts"
import type { PipelineDefinition } from "../stage.ts"
import { sessionLayerFrom, sessionOptions } from "./options.ts"
import { executorOption, queueOption, redisOption, stageRunnerFor, workerTimeoutOption } from "./queue-options.ts"
import { remoteOpener, remoteOption } from "./remote-options.ts"

const options = {
  ...sessionOptions,
  targets: Args.text({ name: "targets" }).pipe(Args.withDescription("stages to run (with their ancestors); default: all"), Args.repeated),
  force: Options.text("force").pipe(Options.withDescription("rerun this stage even if cached; repeatable"), Options.repeated),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("print what would run and why, run nothing")),
  concurrency: Options.integer("concurrency").pipe(Options.withDescription("stages run at once (default: CPU cores)"), Options.optional),
  remote: remoteOption,
  executor: executorOption,
  redis: redisOption,
  queue: queueOption,
  workerTimeout: workerTimeoutOption
}

/** Stages waiting on remote workers hold a slot each but no local CPU: enqueue all that are ready. */
const QUEUE_CONCURRENCY = 256

const summary = (record: RunRecord): string => {
  const counts = new Map<string, number>()
  for (const s of Object.values(record.stages)) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1)
  return `run ${record.runId}: ${[...counts].map(([k, n]) => `${n} ${k}`).join(", ")} in ${record.seconds.toFixed(2)}s`
}

const printDryRun = (record: RunRecord) =>
  Effect.forEach(Object.entries(record.stages), ([name, s]) =>
    Console.log(s.outcome === "up-to-date" ? `${name}: up to date` : `${name}: would run\n${s.reasons.map((r) => `    - ${r}`).join("\n")}`),
  { discard: true })

export const runCommand = (definition: PipelineDefinition<any>) =>
  Command.make("run", options, (args) =>
    Effect.scoped(Effect.gen(function* () {
      const console = yield* Effect.console
      const reporter = args.dryRun ? undefined
        : process.stdout.isTTY ? yield* Effect.promise(ttyReporter)
        : lineReporter((line) => console.unsafe.log(line))
      const stageRunner = reporter ? yield* stageRunnerFor(args, (line) => reporter.log("queue", line)) : undefined
      const record = yield* runPipeline({
        targets: args.targets,
        force: args.force,
        dryRun: args.dryRun,
        concurrency: Option.getOrElse(args.concurrency, () => stageRunner ? QUEUE_CONCURRENCY : undefined),
        reporter,
        ...(stageRunner ? { stageRunner } : {})
      })
      if (args.dryRun) return yield* printDryRun(record)
      yield* Console.log(summary(record))
      // no worker ever came: that, not the list of stages it left undone, is what the user must fix
      const noWorkers = stageRunner ? yield* stageRunner.gaveUp : Option.none()
      if (Option.isSome(noWorkers)) return yield* noWorkers.value
      if (!record.ok) {
        const failed = Object.entries(record.stages).filter(([, s]) => s.outcome === "failed").map(([n]) => n)
        return yield* new RunFailed({ message: `stage(s) failed: ${failed.join(", ")}`, hint: "see the errors above; fix them and run again (completed stages stay cached)" })
      }
    })).pipe(Effect.provide(sessionLayerFrom(definition, args, remoteOpener(args.remote))))
  ).pipe(Command.withDescription("run the pipeline (only what is stale)"))
