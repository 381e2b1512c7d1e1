/**
 * The report stage: reads every method's probe results (test predictions included), training history
 * and test embeddings plus the split metadata, and writes `results` (Arrow), `markdown` (report.md)
 * and `html` (report.html).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { defineStage, type OutputRef, type StageDefinition } from "../pipeline/stage.ts"
import type { MethodArtifacts } from "../ml/report/build-report.ts"
import { ReportInputError, ReportWriteError } from "../ml/report/errors.ts"
import { resultFields } from "../ml/report/results.ts"

export interface ReportedMethod {
  readonly name: string
  readonly kind: string
}

export const ReportParams = Schema.Struct({
  seed: Schema.Number,
  projectionPoints: Schema.Number.pipe(Schema.int(), Schema.between(10, 20_000))
})
export type ReportParams = typeof ReportParams.Type

/** Default subsample size of each projection: enough to show the class structure, small enough for a light page. */
export const defaultProjectionPoints = 2000

/** The input names this stage declares for method `m` (`metrics:m`, ...). */
export const reportInputs = (methods: ReadonlyArray<ReportedMethod>): Record<string, OutputRef> => {
  const inputs: Record<string, OutputRef> = {
    train: { stage: "split", output: "train" },
    val: { stage: "split", output: "val" },
    test: { stage: "split", output: "test" }
  }
  for (const { name } of methods) {
    inputs[`metrics:${name}`] = { stage: `probe:${name}`, output: "metrics" }
    inputs[`per_class:${name}`] = { stage: `probe:${name}`, output: "per_class" }
    inputs[`confusion:${name}`] = { stage: `probe:${name}`, output: "confusion" }
    inputs[`predictions:${name}`] = { stage: `probe:${name}`, output: "predictions" }
    inputs[`history:${name}`] = { stage: `pretrain:${name}`, output: "history" }
    inputs[`embeddings:${name}`] = { stage: `pretrain:${name}`, output: "test" }
  }
  return inputs
}

const write = (file: string, bytes: string | Uint8Array) =>
  Effect.try({
    try: () => fs.writeFileSync(file, bytes),
    catch: (e) => new ReportWriteError({ message: `cannot write ${file}: ${String(e)}`, hint: "check free disk space and permissions of the store" })
  })

/** The report over `methods` (in config order); not heavy: it only reads small artifacts and renders charts. */
export const reportStage = (methods: ReadonlyArray<ReportedMethod>): StageDefinition<ReportParams> =>
  defineStage({
    name: "report",
    module: import.meta.url,
    params: ReportParams,
    selectParams: (config: any) => ({
      seed: config?.seed ?? 0,
      projectionPoints: config?.report?.projectionPoints ?? defaultProjectionPoints
    }),
    inputs: reportInputs(methods),
    outputs: {
      // volatile: the training-cost columns hold wall times measured by the pretrain stages
      results: { description: "one row per method: accuracy, training cost, role", fields: resultFields, fileName: "results.arrow", volatile: true },
      markdown: { description: "report.md: results tables, paired significance tests, training cost, dataset and split", format: "file", extension: "md", fileName: "report.md", volatile: true },
      html: { description: "report.html: self-contained page with every chart as inline SVG", format: "file", extension: "html", fileName: "report.html", volatile: true }
    },
    heavy: false,
    run: (ctx) =>
      Effect.gen(function* () {
        // Loaded on run, not on declaration: arrow, vega and vega-lite take about a second to import,
        // and a fully cached pipeline run that only declares this stage must not pay for that.
        const [{ readConfusion, readEmbeddings, readHistory, readMetrics, readPerClass, readPredictions, readSplitSummary }, { buildReport }] =
          yield* Effect.promise(() => Promise.all([import("../ml/report/artifacts.ts"), import("../ml/report/build-report.ts")]))
        const read = <A, E>(name: string, reader: (file: string) => Effect.Effect<A, E>) => {
          const input = ctx.inputs[name]
          return input === undefined
            ? Effect.fail(new ReportInputError({ message: `report: input "${name}" was not provided`, hint: "declare the report with reportStage(methods) for the methods the pipeline runs" }))
            : reader(input.path)
        }
        const steps = methods.length + 1
        const artifacts = yield* Effect.forEach(methods, (m, i) =>
          Effect.gen(function* () {
            yield* ctx.progress(i, steps, `reading ${m.name}`)
            return {
              name: m.name,
              kind: m.kind,
              metrics: yield* read(`metrics:${m.name}`, readMetrics),
              perClass: yield* read(`per_class:${m.name}`, readPerClass),
              confusion: yield* read(`confusion:${m.name}`, readConfusion),
              predictions: yield* read(`predictions:${m.name}`, readPredictions),
              history: yield* read(`history:${m.name}`, readHistory),
              embeddings: yield* read(`embeddings:${m.name}`, readEmbeddings)
            } satisfies MethodArtifacts
          })
        )
        const splits = {
          train: yield* read("train", readSplitSummary),
          val: yield* read("val", readSplitSummary),
          test: yield* read("test", readSplitSummary)
        }
        for (const m of artifacts)
          if (m.embeddings.rows !== splits.test.rows)
            yield* ctx.log(`report: ${m.name} has ${m.embeddings.rows} test embeddings but the test split has ${splits.test.rows} rows`)
        yield* ctx.progress(methods.length, steps, "rendering charts")
        const report = yield* buildReport(artifacts, splits, ctx.params)
        yield* write(ctx.outputPath("results"), report.results)
        yield* write(ctx.outputPath("markdown"), report.markdown)
        yield* write(ctx.outputPath("html"), report.html)
        yield* ctx.recordProvenance({ methods: methods.map((m) => m.name), projectionPoints: ctx.params.projectionPoints })
        yield* ctx.progress(steps, steps)
      })
  })
