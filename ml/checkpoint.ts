/**
 * Epoch checkpoints of the training loop: every trained variable, the Adam state (moments, step
 * count and the running beta powers, saved exactly rather than recomputed) and the history so far.
 * A rerun of the same stage resumes after the last saved epoch and ends with the same bytes as an
 * uninterrupted run. Each checkpoint is written to `epoch-<n>.partial/` and renamed into place, so a
 * kill mid-write leaves only the previous checkpoint.
 */
import * as tf from "@tensorflow/tfjs-core"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { CheckpointProgress, type InEpochProgress } from "../schemas/checkpoint.ts"
import { readWeights, writeWeights, type NamedWeights } from "./tables/weights.ts"
import type { EpochRecord } from "../schemas/artifacts.ts"

export interface TrainingCheckpoint {
  readonly epochsDone: number
  readonly history: ReadonlyArray<EpochRecord>
  /** The divergence check's reference loss (the first step's). */
  readonly referenceLoss: number | undefined
  readonly tensors: ReadonlyArray<NamedWeights>
  /** Set when the checkpoint was taken inside the epoch after `epochsDone`. */
  readonly inEpoch?: InEpochProgress
}

/** The fields of tfjs's AdamOptimizer that its getWeights/setWeights do not round-trip bit for bit. */
interface AdamBetaPowers {
  readonly accBeta1: tf.Variable
  readonly accBeta2: tf.Variable
}

/** `epoch-00002`, or `epoch-00002-step-0000500` inside the third epoch: names sort in training order. */
const checkpointDir = (dir: string, checkpoint: Pick<TrainingCheckpoint, "epochsDone" | "inEpoch">) =>
  path.join(dir, `epoch-${String(checkpoint.epochsDone).padStart(5, "0")}` +
    (checkpoint.inEpoch === undefined ? "" : `-step-${String(checkpoint.inEpoch.stepsDone).padStart(7, "0")}`))

const named = (name: string, tensor: tf.Tensor): NamedWeights => ({
  name,
  shape: tensor.shape,
  values: Float32Array.from(tensor.dataSync() as Float32Array)
})

/** Every variable by position, then the optimizer's weights and beta powers. */
export const captureTrainingState = (variables: ReadonlyArray<tf.Variable>, optimizer: tf.AdamOptimizer) =>
  Effect.promise(async (): Promise<ReadonlyArray<NamedWeights>> => {
    const optimizerWeights = await optimizer.getWeights()
    const powers = optimizer as unknown as AdamBetaPowers
    const captured = [
      ...variables.map((v, i) => named(`variable/${i}`, v)),
      ...optimizerWeights.map((w) => named(`adam/${w.name}`, w.tensor)),
      named("adam/accBeta1", powers.accBeta1),
      named("adam/accBeta2", powers.accBeta2)
    ]
    // getWeights creates the step-count scalar (first); the moments are the optimizer's own variables.
    optimizerWeights[0].tensor.dispose()
    return captured
  })

/** Puts a captured state back into the variables and the optimizer; false if it does not fit them. */
export const restoreTrainingState = (
  tensors: ReadonlyArray<NamedWeights>,
  variables: ReadonlyArray<tf.Variable>,
  optimizer: tf.AdamOptimizer
) =>
  Effect.promise(async (): Promise<boolean> => {
    const byName = new Map(tensors.map((t) => [t.name, t]))
    const saved = variables.map((v, i) => byName.get(`variable/${i}`))
    const fits = saved.every((t, i) => t !== undefined && t.shape.join() === variables[i].shape.join())
    if (!fits) return false
    // assign() and setWeights() take a reference to the data; tidy / dispose release ours.
    tf.tidy(() => saved.forEach((t, i) => variables[i].assign(tf.tensor(t!.values, [...t!.shape]))))
    const adam = tensors
      .filter((t) => t.name.startsWith("adam/") && !t.name.startsWith("adam/accBeta"))
      .map((t) => ({ name: t.name.slice("adam/".length), tensor: tf.tensor(t.values, [...t.shape]) }))
    await optimizer.setWeights(adam)
    tf.dispose(adam.map((w) => w.tensor))
    const powers = optimizer as unknown as AdamBetaPowers
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(byName.get("adam/accBeta1")!.values[0]))
      powers.accBeta2.assign(tf.scalar(byName.get("adam/accBeta2")!.values[0]))
    })
    return true
  })

/** Saves the state after `checkpoint.epochsDone` epochs (and `inEpoch.stepsDone` steps of the next) and drops older checkpoints. */
export const saveCheckpoint = (dir: string, checkpoint: TrainingCheckpoint) =>
  Effect.gen(function* () {
    const final = checkpointDir(dir, checkpoint)
    const partial = `${final}.partial`
    yield* Effect.sync(() => {
      fs.rmSync(partial, { recursive: true, force: true })
      fs.mkdirSync(partial, { recursive: true })
    })
    yield* writeWeights(path.join(partial, "state.arrow"), checkpoint.tensors, { method: "checkpoint", backend: tf.getBackend() })
    yield* Effect.sync(() => {
      const { epochsDone, history, referenceLoss, inEpoch } = checkpoint
      fs.writeFileSync(path.join(partial, "progress.json"), JSON.stringify({ epochsDone, history, referenceLoss, inEpoch }))
      fs.renameSync(partial, final)
      for (const entry of fs.readdirSync(dir)) {
        if (path.join(dir, entry) !== final) fs.rmSync(path.join(dir, entry), { recursive: true, force: true })
      }
    })
  })

/** The newest complete checkpoint in `dir`, or undefined (none, or unreadable: training starts over, with a warning). */
export const loadCheckpoint = (dir: string): Effect.Effect<TrainingCheckpoint | undefined> =>
  Effect.gen(function* () {
    const newest = fs.existsSync(dir) ? fs.readdirSync(dir).filter((e) => /^epoch-\d+(-step-\d+)?$/.test(e)).sort().at(-1) : undefined
    if (newest === undefined) return undefined
    const progressFile = path.join(dir, newest, "progress.json")
    const progress = yield* Schema.decodeUnknown(Schema.parseJson(CheckpointProgress))(fs.readFileSync(progressFile, "utf8"), { errors: "first" }).pipe(
      Effect.mapError((e) => `${progressFile} is unreadable (${e.message.replace(/\s+/g, " ").slice(0, 200)})`))
    const tensors = yield* readWeights(path.join(dir, newest, "state.arrow"))
    return { ...progress, referenceLoss: progress.referenceLoss, tensors }
  }).pipe(Effect.catchAllCause((cause) =>
    Effect.as(Console.error(`warning: ${checkpointProblem(cause, dir)}; training starts over`), undefined)))

const checkpointProblem = (cause: Cause.Cause<unknown>, dir: string): string => {
  const failure = Cause.squash(cause)
  return typeof failure === "string" ? failure : `the checkpoint in ${dir} is unreadable (${failure instanceof Error ? failure.message : String(failure)})`
}
