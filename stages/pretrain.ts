/**
 * `pretrain:<method>@s<seed>` (`pretrain:raw-pixels` for the seed-free kind): trains the shared encoder with one method (or not, for the baselines) on the
 * train split and writes its weights, per-epoch history and the frozen embeddings of every split.
 * Cheap to import: tfjs and the ML code load inside `run`.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Data from "effect/Data"
import { defineStage, type StageDefinition } from "../pipeline/stage.ts"
import { runKey, type SeededRun } from "./seeded-runs.ts"
import { ResolvedCompute } from "../ml/compute.ts"
import { computeSlice } from "./compute.ts"
import {
  AugmentConfig,
  EncoderConfig,
  MethodConfig,
  TrainingConfig
} from "../schemas/methods.ts"

export const PretrainParams = Schema.Struct({
  /** The training seed; absent for seed-free kinds (raw pixels), so no seed change reruns them. */
  seed: Schema.optional(Schema.Int),
  method: MethodConfig,
  // Absent for kinds that do not use them, so e.g. an augmentation change leaves the baselines cached.
  encoder: Schema.optional(EncoderConfig),
  training: Schema.optional(TrainingConfig),
  augment: Schema.optional(AugmentConfig),
  /** The backend resolved on this machine and the threads per stage: results differ between them. */
  compute: Schema.optional(ResolvedCompute)
})
export type PretrainParams = typeof PretrainParams.Type

export class PretrainConfigMissing extends Data.TaggedError("PretrainConfigMissing")<{
  readonly message: string
  readonly hint: string
}> {}

/** The slices a method kind actually reads; `seed` is the run's training seed (null: seed-free). */
export const pretrainSlice = (config: any, name: string, seed: number | null): unknown => {
  const method = (config.methods as ReadonlyArray<MethodConfig>).find((m) => m.name === name)
  const base = seed === null ? { method } : { seed, method }
  switch (method?.kind) {
    case "raw-pixels":
      return { method }
    case "random-encoder":
      return { ...base, encoder: config.encoder, training: config.training, compute: computeSlice(config) }
    default:
      return { ...base, encoder: config.encoder, training: config.training, augment: config.augment, compute: computeSlice(config) }
  }
}

const required = <A>(value: A | undefined, key: string, stage: string) =>
  value === undefined
    ? Effect.fail(new PretrainConfigMissing({ message: `${stage}: the config has no "${key}" section`, hint: `add "${key}" to the config` }))
    : Effect.succeed(value)

/** The pretrain stage of one method at one training seed. */
export const pretrainStage = ({ method, seed }: SeededRun): StageDefinition<PretrainParams> =>
  defineStage({
    name: `pretrain:${runKey(method.name, seed)}`,
    module: import.meta.url,
    params: PretrainParams,
    selectParams: (config) => pretrainSlice(config, method.name, seed),
    inputs: {
      train: { stage: "split", output: "train" },
      val: { stage: "split", output: "val" },
      test: { stage: "split", output: "test" }
    },
    outputs: {
      encoder: { description: "encoder weights (name, shape, values)", fields: ["name", "shape", "values"] },
      // volatile: seconds and images/s are measurements of this run; the losses are reproducible
      history: { description: "per-epoch loss, seconds and images/s", fields: ["epoch", "loss", "seconds", "images_per_s"], volatile: true },
      train: { description: "embeddings of the train split", fields: ["id", "label", "embedding"] },
      val: { description: "embeddings of the val split", fields: ["id", "label", "embedding"] },
      test: { description: "embeddings of the test split", fields: ["id", "label", "embedding"] }
    },
    heavy: true,
    run: (ctx) =>
      Effect.gen(function* () {
        const { seed, method } = ctx.params
        const { readImageTableEffect } = yield* Effect.promise(() => import("../data/image-table.ts"))
        const [train, val, test] = yield* Effect.all(
          [ctx.inputs.train, ctx.inputs.val, ctx.inputs.test].map((input) => readImageTableEffect(input.path))
        )
        let backend = "none"
        if (method.kind !== "raw-pixels") {
          const compute = yield* required(ctx.params.compute, "compute", ctx.stage)
          const { initBackend, backendProvenance } = yield* Effect.promise(() => import("../ml/backend.ts"))
          const info = yield* initBackend(compute.backend, { threads: compute.threads })
          backend = info.name
          yield* ctx.recordProvenance(backendProvenance(info))
        } else {
          yield* ctx.recordProvenance({ backend })
        }
        const { pretrain } = yield* Effect.promise(() => import("../ml/pretrain.ts"))
        const raw = method.kind === "raw-pixels"
        const result = yield* pretrain({
          seed: seed ?? 0,
          method,
          encoder: raw ? { widths: [1], embeddingDim: 1 } : yield* required(ctx.params.encoder, "encoder", ctx.stage),
          training: raw ? { epochs: 0, batchSize: 1, learningRate: 1 } : yield* required(ctx.params.training, "training", ctx.stage),
          augment: ctx.params.augment ?? Schema.decodeSync(AugmentConfig)({}),
          splits: { train, val, test },
          onStep: (step, total, loss) => ctx.progress(step, total, `loss ${loss.toFixed(4)}`),
          checkpointDir: ctx.checkpointDir,
          onResume: (epochs) => ctx.log(`${ctx.stage}: resuming after epoch ${epochs} from a checkpoint of an interrupted run`)
        })
        const last = result.history[result.history.length - 1]
        if (last) yield* ctx.log(`${ctx.stage}: ${result.history.length} epochs, final loss ${last.loss.toFixed(4)}`)
        // the writers of this stage's artifacts only (not a barrel): the probe's code stays out of this stage's code key
        const [{ writeWeights }, { writeHistory }, { writeEmbeddings }] = yield* Effect.promise(() =>
          Promise.all([import("../ml/tables/weights.ts"), import("../ml/tables/history.ts"), import("../ml/tables/embeddings.ts")])
        )
        const sets = { train, val, test } as const
        yield* writeWeights(ctx.outputPath("encoder"), result.weights, { method: method.name, backend })
        yield* writeHistory(ctx.outputPath("history"), result.history, method.name)
        for (const split of ["train", "val", "test"] as const) {
          const set = sets[split]
          yield* writeEmbeddings(ctx.outputPath(split), {
            ...result.embeddings[split],
            ids: set.ids,
            labels: set.labels,
            method: method.name,
            classNames: set.classNames
          })
        }
      })
  })
