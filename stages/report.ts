/**
 * The report stage: reads every run's probe and kNN results (test predictions included) and training
 * history, each method's first-seed per-class accuracy, confusion and test embeddings, plus the split
 * metadata, and writes `results` (Arrow), `markdown` (report.md) and `html` (report.html).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { defineStage, type OutputRef, type StageDefinition } from "../pipeline/stage.ts"
import type { MethodArtifacts } from "../report/build-report.ts"
import { ReportInputError, ReportWriteError } from "../report/errors.ts"
import { resultFields } from "../report/results.ts"
import { ProjectionPoints, type SeedConfig } from "../schemas/config.ts"
import { runKey } from "./seeded-runs.ts"

/** One (method, training seed) run the report summarizes; `seed` null for a seed-free method. */
export interface ReportedRun {
  readonly name: string
  readonly kind: string
  readonly seed: number | null
}

/** The runs grouped by method, methods in first-appearance order, seeds in the order given. */
export const groupRuns = (runs: ReadonlyArray<ReportedRun>): ReadonlyArray<{ name: string; kind: string; seeds: ReadonlyArray<number | null> }> => {
  const methods = new Map<string, { name: string; kind: string; seeds: Array<number | null> }>()
  for (const run of runs) {
    const entry = methods.get(run.name) ?? { name: run.name, kind: run.kind, seeds: [] }
    entry.seeds.push(run.seed)
    methods.set(run.name, entry)
  }
  return [...methods.values()]
}

export const ReportParams = Schema.Struct({
  /** The seed of the report's own draws (the projection subsample). */
  seed: Schema.Int,
  projectionPoints: ProjectionPoints
})
export type ReportParams = typeof ReportParams.Type

/**
 * The input names this stage declares: per run `r` (`contrastive@s1`) `metrics:r`, `predictions:r`,
 * `knn_metrics:r`, `knn_predictions:r`, `history:r`; per method `m`, from its first run,
 * `per_class:m`, `confusion:m`, `embeddings:m` (the charts show one seed; reading every seed's
 * test embeddings would cost memory for nothing).
 */
export const reportInputs = (runs: ReadonlyArray<ReportedRun>): Record<string, OutputRef> => {
  const inputs: Record<string, OutputRef> = {
    train: { stage: "split", output: "train" },
    val: { stage: "split", output: "val" },
    test: { stage: "split", output: "test" }
  }
  for (const { name, seed } of runs) {
    const r = runKey(name, seed)
    inputs[`metrics:${r}`] = { stage: `probe:${r}`, output: "metrics" }
    inputs[`predictions:${r}`] = { stage: `probe:${r}`, output: "predictions" }
    inputs[`knn_metrics:${r}`] = { stage: `knn:${r}`, output: "metrics" }
    inputs[`knn_predictions:${r}`] = { stage: `knn:${r}`, output: "predictions" }
    inputs[`history:${r}`] = { stage: `pretrain:${r}`, output: "history" }
  }
  for (const { name, seeds } of groupRuns(runs)) {
    const first = runKey(name, seeds[0])
    inputs[`per_class:${name}`] = { stage: `probe:${first}`, output: "per_class" }
    inputs[`confusion:${name}`] = { stage: `probe:${first}`, output: "confusion" }
    inputs[`embeddings:${name}`] = { stage: `pretrain:${first}`, output: "test" }
  }
  return inputs
}

const write = (file: string, bytes: string | Uint8Array) =>
  Effect.try({
    try: () => fs.writeFileSync(file, bytes),
    catch: (e) => new ReportWriteError({ message: `cannot write ${file}: ${String(e)}`, hint: "check free disk space and permissions of the store" })
  })

/** The report over `runs` (methods in config order); not heavy: it only reads small artifacts and renders charts. */
export const reportStage = (runs: ReadonlyArray<ReportedRun>): StageDefinition<ReportParams, SeedConfig> => {
  const methods = groupRuns(runs)
  return defineStage({
    name: "report",
    module: import.meta.url,
    params: ReportParams,
    selectParams: (config) => ({ seed: config.seed, projectionPoints: config.report.projectionPoints }),
    inputs: reportInputs(runs),
    outputs: {
      // volatile: the training-cost columns hold wall times measured by the pretrain stages
      results: { description: "one row per method: linear and kNN accuracy over seeds (mean, std, 95% interval), training cost, role", fields: resultFields, fileName: "results.arrow", volatile: true },
      markdown: { description: "report.md: results tables, paired significance tests, training cost, dataset and split", format: "file", extension: "md", fileName: "report.md", volatile: true },
      html: { description: "report.html: self-contained page with every chart as inline SVG", format: "file", extension: "html", fileName: "report.html", volatile: true }
    },
    heavy: false,
    run: (ctx) =>
      Effect.gen(function* () {
        // Loaded on run, not on declaration: arrow, vega and vega-lite take about a second to import,
        // and a fully cached pipeline run that only declares this stage must not pay for that.
        // the artifact readers the other stages' outputs are written with, each module by name
        const [{ readEmbeddings }, { readHistory }, { readKnnMetrics }, { readPredictions }, { readConfusion, readPerClass, readProbeMetrics }, { readImageMetadataEffect }, { buildReport }] =
          yield* Effect.promise(() => Promise.all([
            import("../ml/tables/embeddings.ts"), import("../ml/tables/history.ts"), import("../ml/tables/knn-metrics.ts"),
            import("../ml/tables/predictions.ts"), import("../ml/tables/probe-results.ts"), import("../data/image-table.ts"),
            import("../report/build-report.ts")
          ]))
        const read = <A>(name: string, reader: (file: string) => Effect.Effect<A, { readonly message: string; readonly hint?: string }>) => {
          const input = ctx.inputs[name]
          return input === undefined
            ? Effect.fail(new ReportInputError({ message: `report: input "${name}" was not provided`, hint: "declare the report with reportStage(runs) for the runs the pipeline has" }))
            : reader(input.path).pipe(Effect.mapError((e) => new ReportInputError({
              message: `report: input "${name}": ${e.message}`,
              hint: e.hint ?? "rerun the upstream stage; its output does not match the artifact format in docs/ARCHITECTURE.md"
            })))
        }
        const steps = methods.length + 1
        const artifacts = yield* Effect.forEach(methods, (m, i) =>
          Effect.gen(function* () {
            yield* ctx.progress(i, steps, `reading ${m.name}`)
            const runArtifacts = yield* Effect.forEach(m.seeds, (seed) => {
              const r = runKey(m.name, seed)
              return Effect.all({
                seed: Effect.succeed(seed),
                metrics: read(`metrics:${r}`, readProbeMetrics),
                knn: read(`knn_metrics:${r}`, readKnnMetrics),
                predictions: read(`predictions:${r}`, readPredictions),
                knnPredictions: read(`knn_predictions:${r}`, readPredictions),
                history: read(`history:${r}`, readHistory)
              })
            })
            return {
              name: m.name,
              kind: m.kind,
              runs: runArtifacts,
              perClass: yield* read(`per_class:${m.name}`, readPerClass),
              confusion: yield* read(`confusion:${m.name}`, readConfusion),
              embeddings: yield* read(`embeddings:${m.name}`, readEmbeddings)
            } satisfies MethodArtifacts
          })
        )
        const splits = {
          train: yield* read("train", readImageMetadataEffect),
          val: yield* read("val", readImageMetadataEffect),
          test: yield* read("test", readImageMetadataEffect)
        }
        for (const m of artifacts)
          if (m.embeddings.count !== splits.test.rows)
            yield* ctx.log(`report: ${m.name} has ${m.embeddings.count} test embeddings but the test split has ${splits.test.rows} rows`)
        yield* ctx.progress(methods.length, steps, "rendering charts")
        const report = yield* buildReport(artifacts, splits, ctx.params)
        yield* write(ctx.outputPath("results"), report.results)
        yield* write(ctx.outputPath("markdown"), report.markdown)
        yield* write(ctx.outputPath("html"), report.html)
        yield* ctx.recordProvenance({ methods: methods.map((m) => m.name), runs: runs.map((r) => runKey(r.name, r.seed)), projectionPoints: ctx.params.projectionPoints })
        yield* ctx.progress(steps, steps)
      })
  })
}
