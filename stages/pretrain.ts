/**
 * `pretrain:<method>@s<seed>` (`pretrain:raw-pixels` for the seed-free kind): trains the shared encoder with one method (or not, for the baselines) on the
 * train split and writes its weights, per-epoch history and the frozen embeddings of every split.
 * Cheap to import: tfjs and the ML code load inside `run`. No method's loss is imported here: each
 * trained kind's module (stages/pretrain-kinds/) hands its own in, so its code key holds no other's.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { defineStage, type StageDefinition } from "../pipeline/stage.ts"
import { runKey, type SeededRun } from "./seeded-runs.ts"
import { ResolvedCompute } from "../ml/compute.ts"
import { computeSlice } from "./compute.ts"
import { embeddingFields, historyFields, weightFields } from "../schemas/artifacts.ts"
import type { SeedConfig } from "../schemas/config.ts"
import type { MethodBuilder, MethodContext, TrainableMethod } from "../ml/methods/method.ts"
import {
  AugmentConfig,
  EncoderConfig,
  RandomEncoderBaseline,
  RawPixelsBaseline,
  TrainedMethodConfig,
  TrainingConfig
} from "../schemas/methods.ts"

/** What every kind with an encoder reads. The backend and threads are in: results differ between them. */
const encoderRun = {
  /** The training seed: draws the init, the heads, the batch order and the augmentations. */
  seed: Schema.Int,
  encoder: EncoderConfig,
  compute: ResolvedCompute
}

// Each kind's params hold only the slices it reads, so e.g. an augmentation change leaves the baselines
// cached, a seed change leaves raw pixels cached, and a change of epochs or rate leaves the random
// encoder cached (it reads only the batch size it embeds at: the kernels' rounding may depend on it).
export const RawPixelsParams = Schema.Struct({ method: RawPixelsBaseline })
export const RandomEncoderParams = Schema.Struct({ method: RandomEncoderBaseline, ...encoderRun, embedBatchSize: Schema.Int.pipe(Schema.positive()) })
export const TrainedParams = Schema.Struct({ method: TrainedMethodConfig, ...encoderRun, training: TrainingConfig, augment: AugmentConfig })

/** The params of a pretrain stage: one shape per method kind. */
export const PretrainParams = Schema.Union(RawPixelsParams, RandomEncoderParams, TrainedParams)
export type PretrainParams = typeof PretrainParams.Type
type RawPixelsParams = typeof RawPixelsParams.Type
type RandomEncoderParams = typeof RandomEncoderParams.Type

const isRawPixels = (params: PretrainParams): params is RawPixelsParams => params.method.kind === "raw-pixels"
const isRandomEncoder = (params: PretrainParams): params is RandomEncoderParams => params.method.kind === "random-encoder"

/** The params of method `name`'s run at training seed `seed` (null: a seed-free kind). */
export const pretrainSlice = (config: SeedConfig, name: string, seed: number | null): typeof PretrainParams.Encoded => {
  const method = config.methods.find((m) => m.name === name)
  if (method === undefined) throw new Error(`pretrainSlice: no method "${name}" in the config`) // a bug: stages are made from config.methods
  if (method.kind === "raw-pixels") return { method }
  if (seed === null) throw new Error(`pretrainSlice: ${name} (${method.kind}) needs a training seed`) // a bug: only raw pixels are seed-free
  const run = { seed, encoder: config.encoder, compute: computeSlice(config) }
  return method.kind === "random-encoder"
    ? { method, ...run, embedBatchSize: config.training.batchSize }
    : { method, ...run, training: config.training, augment: config.augment }
}

type TrainedKind = TrainedMethodConfig["kind"]

/**
 * What a kind's pretrain stage runs beyond this module: the module its code key starts from, and for a
 * trained kind the loader of its loss (a dynamic import in that module, so only its own loss is hashed).
 */
export interface PretrainKind {
  readonly module: string
  readonly loadMethod?: () => Promise<MethodBuilder>
}

/** The baselines without training (raw pixels, random encoder): this module, no loss. */
export const untrainedPretrain: PretrainKind = { module: import.meta.url }

/** A trained kind, defined in `module` (its `import.meta.url`), whose `load` imports its loss builder. */
export const trainedPretrain = <K extends TrainedKind>(
  kind: K,
  module: string,
  load: () => Promise<(config: Extract<TrainedMethodConfig, { kind: K }>, context: MethodContext) => TrainableMethod>
): PretrainKind => ({
  module,
  loadMethod: async () => {
    const make = await load()
    return (config, context) => {
      // a bug, not a user error: stages are built with their own kind's module (stages/pretrain-kinds.ts)
      if (config.kind !== kind) throw new Error(`the ${kind} pretrain module was given a ${config.kind} method`)
      return make(config as Extract<TrainedMethodConfig, { kind: K }>, context)
    }
  }
})

/** The pretrain stage of one method at one training seed, keyed by its kind's module. */
export const pretrainStageOfKind = ({ method, seed }: SeededRun, kind: PretrainKind): StageDefinition<PretrainParams, SeedConfig> =>
  defineStage({
    name: `pretrain:${runKey(method.name, seed)}`,
    module: kind.module,
    params: PretrainParams,
    selectParams: (config) => pretrainSlice(config, method.name, seed),
    inputs: {
      train: { stage: "split", output: "train" },
      val: { stage: "split", output: "val" },
      test: { stage: "split", output: "test" }
    },
    outputs: {
      encoder: { description: "encoder weights (name, shape, values)", fields: weightFields },
      // volatile: seconds and images/s are measurements of this run; the losses are reproducible
      history: { description: "per-epoch loss, seconds and images/s", fields: historyFields, volatile: true },
      train: { description: "embeddings of the train split", fields: embeddingFields },
      val: { description: "embeddings of the val split", fields: embeddingFields },
      test: { description: "embeddings of the test split", fields: embeddingFields }
    },
    heavy: true,
    run: (ctx) =>
      Effect.gen(function* () {
        const params = ctx.params
        const { readImageTableEffect } = yield* Effect.promise(() => import("../data/image-table.ts"))
        const [train, val, test] = yield* Effect.all(
          [ctx.inputs.train, ctx.inputs.val, ctx.inputs.test].map((input) => readImageTableEffect(input.path))
        )
        const splits = { train, val, test }
        let backend = "none"
        let result
        if (isRawPixels(params)) {
          yield* ctx.recordProvenance({ backend })
          const { rawPixelsPretrain } = yield* Effect.promise(() => import("../ml/pretrain.ts"))
          result = rawPixelsPretrain(splits)
        } else {
          const { initBackend, backendProvenance } = yield* Effect.promise(() => import("../ml/backend.ts"))
          const info = yield* initBackend(params.compute.backend, { threads: params.compute.threads })
          backend = info.name
          yield* ctx.recordProvenance(backendProvenance(info))
          // the training code loads once the backend and its kernels are installed, as before
          const { pretrain } = yield* Effect.promise(() => import("../ml/pretrain.ts"))
          if (isRandomEncoder(params)) result = yield* pretrain({ ...params, splits })
          else {
            const loadMethod = kind.loadMethod
            // a bug, not a user error: stages/pretrain-kinds.ts gives every trained kind its loss
            if (loadMethod === undefined) return yield* Effect.die(new Error(`${ctx.stage}: built without its kind's loss`))
            result = yield* pretrain({
              ...params,
              makeMethod: yield* Effect.promise(loadMethod),
              splits,
              onStep: (step, total, loss) => ctx.progress(step, total, `loss ${loss.toFixed(4)}`),
              checkpointDir: ctx.checkpointDir,
              onResume: (epochs, steps) =>
                ctx.log(`${ctx.stage}: resuming after epoch ${epochs}${steps > 0 ? ` and ${steps} steps of the next` : ""} from a checkpoint of an interrupted run`)
            })
          }
        }
        const last = result.history[result.history.length - 1]
        if (last) yield* ctx.log(`${ctx.stage}: ${result.history.length} epochs, final loss ${last.loss.toFixed(4)}`)
        // the writers of this stage's artifacts only (not a barrel): the probe's code stays out of this stage's code key
        const [{ writeWeights }, { writeHistory }, { writeEmbeddings }] = yield* Effect.promise(() =>
          Promise.all([import("../ml/tables/weights.ts"), import("../ml/tables/history.ts"), import("../ml/tables/embeddings.ts")])
        )
        const name = params.method.name
        yield* writeWeights(ctx.outputPath("encoder"), result.weights, { method: name, backend })
        yield* writeHistory(ctx.outputPath("history"), result.history, name)
        for (const split of ["train", "val", "test"] as const) {
          const set = splits[split]
          yield* writeEmbeddings(ctx.outputPath(split), {
            ...result.embeddings[split],
            ids: set.ids,
            labels: set.labels,
            method: name,
            classNames: set.classNames
          })
        }
      })
  })
