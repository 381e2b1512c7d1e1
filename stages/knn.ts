/**
 * `knn:<method>@s<seed>` (`knn:raw-pixels`): the weighted kNN evaluation beside the linear probe, on
 * the same frozen embeddings: k chosen on val, then Top-1/Top-5 and every test image's top-1 class.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { defineStage, type StageDefinition } from "../pipeline/stage.ts"
import { ResolvedCompute } from "../ml/compute.ts"
import { knnMetricsFields, predictionFields } from "../schemas/artifacts.ts"
import type { SeedConfig } from "../schemas/config.ts"
import { KnnConfig } from "../schemas/methods.ts"
import { computeSlice } from "./compute.ts"
import { ProbeInputMismatch } from "./probe.ts"
import { embeddingInputs, runKey, type SeededRun } from "./seeded-runs.ts"

export const KnnParams = Schema.Struct({
  method: Schema.Struct({ name: Schema.String, kind: Schema.String }),
  knn: KnnConfig,
  /** The similarity products run on the resolved backend (oneDNN matmul on native, JS loops elsewhere; with its threads: stages/compute.ts). */
  compute: ResolvedCompute
})
export type KnnParams = typeof KnnParams.Type

/** The kNN stage of one method at one training seed, reading that run's embeddings. */
export const knnStage = ({ method, seed }: SeededRun): StageDefinition<KnnParams, SeedConfig> => {
  return defineStage({
    name: `knn:${runKey(method.name, seed)}`,
    module: import.meta.url,
    params: KnnParams,
    selectParams: (config) => ({ method: { name: method.name, kind: method.kind }, knn: config.knn, compute: computeSlice(config) }),
    inputs: embeddingInputs({ method, seed }),
    outputs: {
      metrics: { description: "top1, top5, k chosen on val, val top1", fields: knnMetricsFields, metrics: true },
      predictions: { description: "top-1 prediction per test image", fields: predictionFields }
    },
    heavy: true,
    run: (ctx) =>
      Effect.gen(function* () {
        const [{ initProbeBackend }, { backendProvenance }] = yield* Effect.promise(() =>
          Promise.all([import("../ml/probe-backend.ts"), import("../ml/compute-backend.ts")]))
        const info = yield* initProbeBackend(ctx.params.compute.backend, { threads: ctx.params.compute.threads })
        yield* ctx.recordProvenance(backendProvenance(info))
        const [{ readEmbeddings }, { knnEvaluate, similarityEngineFor }, { writeKnnMetrics }, { writePredictions }] = yield* Effect.promise(() =>
          Promise.all([import("../ml/tables/embeddings.ts"), import("../ml/knn.ts"), import("../ml/tables/knn-metrics.ts"), import("../ml/tables/predictions.ts")])
        )
        const [train, val, test] = yield* Effect.all([ctx.inputs.train, ctx.inputs.val, ctx.inputs.test].map((i) => readEmbeddings(i.path)))
        if (val.dim !== train.dim || test.dim !== train.dim) {
          return yield* Effect.fail(
            new ProbeInputMismatch({
              message: `${ctx.stage}: embedding dims differ (train ${train.dim}, val ${val.dim}, test ${test.dim})`,
              hint: "re-run the pretrain stage; its three outputs must come from one encoder"
            })
          )
        }
        const maxLabel = Math.max(0, ...[train, val, test].map((s) => s.labels.reduce((a, b) => Math.max(a, b), 0)))
        const classCount = Math.max(train.classNames.length, maxLabel + 1)
        const started = performance.now()
        const result = knnEvaluate(train, val, test, { classCount, ...ctx.params.knn }, similarityEngineFor(info.name))
        yield* ctx.recordProvenance({ knnSeconds: (performance.now() - started) / 1000, grid: result.grid })
        yield* ctx.log(`${ctx.stage}: top1 ${result.top1.toFixed(4)} top5 ${result.top5.toFixed(4)} (k ${result.k})`)
        const { name, kind } = ctx.params.method
        yield* writeKnnMetrics(ctx.outputPath("metrics"), result, { method: name, kind, temperature: ctx.params.knn.temperature })
        yield* writePredictions(ctx.outputPath("predictions"), { ids: test.ids, labels: test.labels, predicted: result.predictions }, name)
      })
  })
}
