/** Builds the StageContext a stage's `run` receives, and runs it with its errors mapped to StageFailed. */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { StageFailed } from "./errors.ts"
import type { InputArtifact, StageContext, StageDefinition } from "./stage.ts"
import { safeName } from "./store.ts"

/** Where progress, log lines and provenance facts of a running stage go. */
export interface StageHooks {
  readonly progress: (done: number, total: number, note?: string) => void
  readonly log: (message: string) => void
  readonly provenance: (facts: Record<string, unknown>) => void
}

/** The file a stage writes output `name` to, inside its private output directory. */
export const outputFile = (outputDir: string, name: string): string => path.join(outputDir, safeName(name))

/** The directories a running stage may write to. */
export interface StageDirs {
  readonly outputDir: string
  readonly scratchDir: string
  readonly checkpointDir: string
}

export const makeContext = <P>(
  stage: StageDefinition<P>,
  params: P,
  inputs: Readonly<Record<string, InputArtifact>>,
  { outputDir, scratchDir, checkpointDir }: StageDirs,
  hooks: StageHooks
): StageContext<P> => ({
  stage: stage.name,
  params,
  inputs,
  outputPath: (name) => {
    if (!stage.outputs[name]) {
      throw new Error(`stage "${stage.name}" asked for undeclared output "${name}" (declared: ${Object.keys(stage.outputs).join(", ")})`)
    }
    return outputFile(outputDir, name)
  },
  scratchDir,
  checkpointDir,
  progress: (done, total, note) => Effect.sync(() => hooks.progress(done, total, note)),
  log: (message) => Effect.sync(() => hooks.log(message)),
  recordProvenance: (facts) => Effect.sync(() => hooks.provenance(facts))
})

/** Runs the stage; its typed failures and thrown defects both become StageFailed naming the stage. */
export const runStageBody = <P>(stage: StageDefinition<P>, ctx: StageContext<P>): Effect.Effect<void, StageFailed> =>
  Effect.suspend(() => stage.run(ctx)).pipe(
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some") {
        const e = failure.value
        return Effect.fail(new StageFailed({ stage: stage.name, message: e.message, hint: e.hint, cause_tag: e._tag }))
      }
      const defect = Cause.squash(cause)
      return Effect.fail(new StageFailed({
        stage: stage.name,
        message: `stage "${stage.name}" crashed: ${defect instanceof Error ? defect.stack ?? defect.message : String(defect)}`,
        hint: "this is a bug in the stage (an exception, not a typed error)",
        cause_tag: "Defect"
      }))
    })
  )
