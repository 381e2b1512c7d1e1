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
import { logValChoice, openEvaluationBackend, readRunEmbeddings } from "./run-embeddings.ts"
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
        const info = yield* openEvaluationBackend(ctx)
        const [{ knnEvaluate, similarityEngineFor }, { writeKnnMetrics }, { writePredictions }] = yield* Effect.promise(() =>
          Promise.all([import("../ml/knn.ts"), import("../ml/tables/knn-metrics.ts"), import("../ml/tables/predictions.ts")])
        )
        const { train, val, test, maxLabel } = yield* readRunEmbeddings(ctx, ctx.params.knn.maxTrainImages)
        const classCount = Math.max(train.classNames.length, maxLabel + 1)
        const started = performance.now()
        const result = knnEvaluate(train, val, test, { classCount, ...ctx.params.knn }, similarityEngineFor(info.name))
        yield* ctx.recordProvenance({ knnSeconds: (performance.now() - started) / 1000, grid: result.grid })
        yield* logValChoice(ctx, result.valTop1, `k ${result.k}`)
        const { name, kind } = ctx.params.method
        yield* writeKnnMetrics(ctx.outputPath("metrics"), result, { method: name, kind, temperature: ctx.params.knn.temperature })
        yield* writePredictions(ctx.outputPath("predictions"), { ids: test.ids, labels: test.labels, predicted: result.predictions }, name)
      })
  })
}
