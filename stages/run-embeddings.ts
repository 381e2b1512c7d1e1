/**
 * What the probe and kNN stages both do: before evaluating, open the probe backend (its facts go into
 * provenance) and read one pretrain run's train, val and test embeddings, checked to come from one
 * encoder; after, log what they chose on val. The ml/ modules load inside `run`, so `pipeline status`
 * never loads tfjs or Arrow.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ResolvedCompute } from "../ml/compute.ts"
import type { StageContext } from "../pipeline/stage.ts"

export class ProbeInputMismatch extends Data.TaggedError("ProbeInputMismatch")<{
  readonly message: string
  readonly hint: string
}> {}

/** Initialises the probe backend for the stage's resolved compute settings; records its provenance. */
export const openEvaluationBackend = (ctx: StageContext<{ readonly compute: ResolvedCompute }>) =>
  Effect.gen(function* () {
    const [{ initProbeBackend }, { backendProvenance }] = yield* Effect.promise(() =>
      Promise.all([import("../ml/probe-backend.ts"), import("../ml/compute-backend.ts")]))
    const info = yield* initProbeBackend(ctx.params.compute.backend, { threads: ctx.params.compute.threads })
    yield* ctx.recordProvenance(backendProvenance(info))
    return info
  })

/**
 * The run's three embedding sets (inputs train, val, test) and the largest label among them; with
 * `maxTrainImages`, train is that many evenly spaced rows (recorded in provenance).
 */
export const readRunEmbeddings = (ctx: StageContext<unknown>, maxTrainImages?: number) =>
  Effect.gen(function* () {
    const [{ readEmbeddings }, { evenlySpacedRows }] = yield* Effect.promise(() =>
      Promise.all([import("../ml/tables/embeddings.ts"), import("../ml/evenly-spaced.ts")]))
    // readEmbeddings refuses a file whose columns decode short (apache-arrow over 2 GiB): never zeros
    const inputs = [ctx.inputs.train, ctx.inputs.val, ctx.inputs.test]
    const [allTrain, val, test] = yield* Effect.all(inputs.map((i) => readEmbeddings(i.path)))
    const train = maxTrainImages === undefined ? allTrain : evenlySpacedRows(allTrain, maxTrainImages)
    if (train !== allTrain) {
      yield* ctx.recordProvenance({ trainImagesEvaluated: train.count, trainImagesEmbedded: allTrain.count })
      yield* ctx.log(`${ctx.stage}: ${train.count} of ${allTrain.count} train embeddings (evenly spaced rows)`)
    }
    if (val.dim !== train.dim || test.dim !== train.dim) {
      return yield* Effect.fail(
        new ProbeInputMismatch({
          message: `${ctx.stage}: embedding dims differ (train ${train.dim}, val ${val.dim}, test ${test.dim})`,
          hint: "re-run the pretrain stage; its three outputs must come from one encoder"
        })
      )
    }
    const maxLabel = Math.max(0, ...[train, val, test].map((s) => s.labels.reduce((a, b) => Math.max(a, b), 0)))
    return { train, val, test, maxLabel }
  })

/**
 * The stage's log line: the val Top-1 of the setting it chose on val, never a test figure, so a run made
 * to choose a setting does not show one in passing (test figures go to the metrics table and the report).
 */
export const logValChoice = (ctx: StageContext<unknown>, valTop1: number, choice: string) =>
  ctx.log(`${ctx.stage}: val top1 ${valTop1.toFixed(4)} at ${choice} (chosen on val; test figures: the report)`)
