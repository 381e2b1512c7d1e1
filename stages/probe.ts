/**
 * `probe:<method>@s<seed>` (`probe:raw-pixels`): the linear probe on one method's frozen embeddings: L2 chosen on val,
 * Top-1/Top-5, per-class accuracy, the confusion matrix and the top-1 prediction of every test image.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { defineStage, type StageDefinition } from "../pipeline/stage.ts"
import { ResolvedCompute } from "../ml/compute.ts"
import { confusionFields, perClassFields, predictionFields, probeMetricsFields } from "../schemas/artifacts.ts"
import type { SeedConfig } from "../schemas/config.ts"
import { ProbeConfig } from "../schemas/methods.ts"
import { embeddingInputs, runKey, type SeededRun } from "./seeded-runs.ts"
import { computeSlice } from "./compute.ts"
import { logValChoice, openEvaluationBackend, readRunEmbeddings } from "./run-embeddings.ts"

export const ProbeParams = Schema.Struct({
  method: Schema.Struct({ name: Schema.String, kind: Schema.String }),
  probe: ProbeConfig,
  /** The probe's matrix products run on the tfjs backend (resolved on this machine, with its threads). */
  compute: ResolvedCompute
})
export type ProbeParams = typeof ProbeParams.Type


/** The probe stage of one method at one training seed, reading that run's embeddings. */
export const probeStage = ({ method, seed }: SeededRun): StageDefinition<ProbeParams, SeedConfig> => {
  return defineStage({
    name: `probe:${runKey(method.name, seed)}`,
    module: import.meta.url,
    params: ProbeParams,
    selectParams: (config) => ({ method: { name: method.name, kind: method.kind }, probe: config.probe, compute: computeSlice(config) }),
    inputs: embeddingInputs({ method, seed }),
    outputs: {
      metrics: { description: "top1, top5, chosen l2, val top1", fields: probeMetricsFields, metrics: true },
      per_class: { description: "test accuracy per class", fields: perClassFields },
      confusion: { description: "test confusion matrix (non-zero cells)", fields: confusionFields },
      predictions: { description: "top-1 prediction per test image", fields: predictionFields }
    },
    heavy: true,
    run: (ctx) =>
      Effect.gen(function* () {
        yield* openEvaluationBackend(ctx)
        // the modules this stage runs, each by name (a barrel would put the other stages' artifact code in its code key)
        const [{ writeProbeResult }, { writePredictions }, { linearProbe }] = yield* Effect.promise(() =>
          Promise.all([import("../ml/tables/probe-results.ts"), import("../ml/tables/predictions.ts"), import("../ml/linear-probe.ts")])
        )
        const { train, val, test, maxLabel } = yield* readRunEmbeddings(ctx, ctx.params.probe.maxTrainImages)
        const classNames = train.classNames.length > maxLabel ? train.classNames : Array.from({ length: maxLabel + 1 }, (_, i) => String(i))
        const started = performance.now()
        const result = linearProbe(train, val, test, { classCount: classNames.length, ...ctx.params.probe })
        yield* ctx.recordProvenance({ probeSeconds: (performance.now() - started) / 1000, grid: result.grid })
        yield* logValChoice(ctx, result.valTop1, `l2 ${result.l2}`)
        yield* writeProbeResult(
          { metrics: ctx.outputPath("metrics"), perClass: ctx.outputPath("per_class"), confusion: ctx.outputPath("confusion") },
          result,
          { method: ctx.params.method.name, kind: ctx.params.method.kind, classNames }
        )
        yield* writePredictions(ctx.outputPath("predictions"), { ids: test.ids, labels: test.labels, predicted: result.predictions }, ctx.params.method.name)
      })
  })
}
