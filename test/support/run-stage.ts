/**
 * Runs one stage's `run` directly, without the DAG runner: for unit tests of stage modules.
 * Outputs land in `outDir/<name>` (the name the stage passes to `outputPath`).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import type { InputArtifact, StageDefinition, StageError } from "../../pipeline/stage.ts"

export interface DirectRun {
  readonly outputs: Record<string, string>
  readonly provenance: Record<string, unknown>
  readonly progress: Array<{ done: number; total: number; note?: string }>
}

/** Decodes `params` with the stage's schema, then runs it against input files on disk. */
export const runStageDirectly = (
  stage: StageDefinition<any>,
  params: unknown,
  inputs: Record<string, string>,
  outDir: string
): Effect.Effect<DirectRun, StageError | Error> =>
  Effect.gen(function* () {
    const decoded = yield* Schema.decodeUnknown(stage.params)(params).pipe(
      Effect.mapError((e) => new Error(`params of ${stage.name}: ${e.message}`))
    )
    fs.mkdirSync(outDir, { recursive: true })
    const scratchDir = fs.mkdtempSync(path.join(outDir, ".scratch-"))
    const checkpointDir = fs.mkdtempSync(path.join(outDir, ".checkpoint-"))
    const inputArtifacts: Record<string, InputArtifact> = {}
    for (const [name, file] of Object.entries(inputs)) {
      const ref = stage.inputs[name]
      if (!ref) throw new Error(`${stage.name} declares no input named ${name}`)
      inputArtifacts[name] = { stage: ref.stage, output: ref.output, path: path.resolve(file), hash: "test" }
    }
    const outputs: Record<string, string> = {}
    const provenance: Record<string, unknown> = {}
    const progress: DirectRun["progress"] = []
    yield* stage.run({
      stage: stage.name,
      params: decoded,
      inputs: inputArtifacts,
      outputPath: (name) => {
        if (!stage.outputs[name]) throw new Error(`${stage.name} declares no output named ${name}`)
        return (outputs[name] = path.join(outDir, name))
      },
      scratchDir,
      checkpointDir,
      progress: (done, total, note) => Effect.sync(() => void progress.push({ done, total, note })),
      log: () => Effect.void,
      recordProvenance: (facts) => Effect.sync(() => void Object.assign(provenance, facts))
    }).pipe(
      // a failing stage must not leave its scratch dir behind either
      Effect.ensuring(Effect.promise(() => Promise.all([scratchDir, checkpointDir].map((dir) => fs.promises.rm(dir, { recursive: true, force: true })))))
    )
    return { outputs, provenance, progress }
  })
