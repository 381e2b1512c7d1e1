/**
 * A heavy stage's worker process: for each start message, finds the pipeline definition, decodes the
 * config it is sent, finds the stage by name, runs it and streams progress back over IPC. It serves
 * stages one at a time until its runner lets it go (disconnects) or a stage fails (it exits: nothing
 * of a failed stage is kept in a live process). Started either through the `.ts` loader on
 * worker-entry.ts, which imports the definition module named in each message, or from the runner's
 * own bundle, whose entry hands its definition to `serveStages` (see worker-process.ts).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { decodeConfig } from "./config.ts"
import { stageParams } from "./fingerprint.ts"
import type { PipelineDefinition } from "./stage.ts"
import { makeContext, runStageBody } from "./stage-context.ts"
import { ORPHANED_EXIT_CODE, type StartMessage, type WorkerMessage } from "./worker-protocol.ts"

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()))

/**
 * A worker whose runner died has nobody to commit its outputs, and a rerun would resume the same
 * checkpoint beside it: it exits at once. Three signals, since a training step may hold the event
 * loop for a while: IPC disconnect, a timer, and a check on every progress report (each step).
 * Between stages the same signals end an idle worker, with code 0.
 */
let busy = false
const runner = process.ppid
const exitIfOrphaned = () => {
  if (process.ppid !== runner || !process.connected) process.exit(busy ? ORPHANED_EXIT_CODE : 0)
}

const isDefinition = (value: unknown, name: string): value is PipelineDefinition =>
  typeof value === "object" && value !== null &&
  typeof (value as PipelineDefinition).stages === "function" && (value as PipelineDefinition).name === name

const findDefinition = async (moduleUrl: string, name: string, known: PipelineDefinition | undefined): Promise<PipelineDefinition> => {
  if (known !== undefined && known.name === name && known.module === moduleUrl) return known
  const mod = (await import(moduleUrl)) as Record<string, unknown>
  const found = Object.values(mod).find((v) => isDefinition(v, name))
  if (!found) throw new Error(`module ${moduleUrl} exports no pipeline definition named "${name}"`)
  return found
}

const runStage = (start: StartMessage, known: PipelineDefinition | undefined) =>
  Effect.gen(function* () {
    const definition = yield* Effect.promise(() => findDefinition(start.definitionModule, start.definitionName, known))
    const config = yield* decodeConfig(definition, start.config)
    const stage = definition.stages(config).find((s) => s.name === start.stage)
    if (!stage) return yield* Effect.dieMessage(`the definition declares no stage "${start.stage}" for this config`)
    const params = yield* stageParams(stage, config)
    const ctx = makeContext(stage, params.decoded, start.inputs, start, {
      progress: (done, total, note) => {
        exitIfOrphaned()
        void send({ type: "progress", done, total, note })
      },
      log: (message) => void send({ type: "log", message }),
      provenance: (facts) => void send({ type: "provenance", facts })
    })
    yield* runStageBody(stage, ctx)
  })

/**
 * Serves start messages until the runner lets go. `known`: the definition this process already holds
 * (its entry's); any other is imported from the module a message names.
 */
export const serveStages = (known?: PipelineDefinition<any>): void => {
  process.on("disconnect", exitIfOrphaned)
  setInterval(exitIfOrphaned, 200).unref()
  process.on("message", (start: StartMessage) => serveOne(start, known))
}

const serveOne = (start: StartMessage, known: PipelineDefinition | undefined): void => {
  busy = true
  Effect.runPromiseExit(runStage(start, known)).then(async (exit) => {
    exitIfOrphaned()
    if (exit._tag === "Success") {
      await send({ type: "done", residentBytes: process.memoryUsage.rss() })
      busy = false
      return
    }
    const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
    await send({
      type: "failed",
      error: failure
        ? { _tag: failure._tag === "StageFailed" ? failure.cause_tag : failure._tag, message: failure.message, hint: failure.hint }
        : { _tag: "WorkerCrash", message: `worker for "${start.stage}" crashed: ${Cause.pretty(exit.cause)}` }
    })
    busy = false
    process.disconnect()
  })
}
