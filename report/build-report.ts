/**
 * Turns the artifacts of every method and training seed (already read) into the three report
 * outputs: the results table, report.md (with the paired significance tests) and report.html.
 * Pure apart from chart rendering; no clock, no I/O.
 */
import * as Effect from "effect/Effect"
import { makeRng } from "../data/random.ts"
import type { EpochRecord } from "../schemas/artifacts.ts"
import type { EmbeddingTable } from "../ml/tables/embeddings.ts"
import type { KnnMetrics } from "../ml/tables/knn-metrics.ts"
import type { Predictions } from "../ml/tables/predictions.ts"
import type { ClassAccuracy, ConfusionCell, ProbeMetrics } from "../ml/tables/probe-results.ts"
import { confusionSpec, lossCurvesSpec, projectionSpec, top1AcrossSeedsSpec } from "./charts.ts"
import { reportHtml, type ChartFigure, type ReportSection } from "./html.ts"
import { reportMarkdown, type DatasetSplits } from "./markdown.ts"
import { pairedComparisons } from "./paired-comparisons.ts"
import { projectEmbeddings, subsampleRows } from "./projection.ts"
import { renderSvg } from "./render-svg.ts"
import { orderRows, resultRow, type ResultRow, type SeedRow } from "./results.ts"
import { resultsIpc } from "./results-table.ts"

/** What one (method, training seed) run produced; `seed` null for a seed-free method. */
export interface RunArtifacts {
  readonly seed: number | null
  readonly metrics: ProbeMetrics
  readonly knn: KnnMetrics
  /** Top-1 class of every test image under each evaluation, for the paired tests. */
  readonly predictions: Predictions
  readonly knnPredictions: Predictions
  readonly history: ReadonlyArray<EpochRecord>
}

export interface MethodArtifacts {
  readonly name: string
  readonly kind: string
  /** One per training seed, in `seeds` order; at least one. */
  readonly runs: ReadonlyArray<RunArtifacts>
  /** Per-class accuracy, confusion and test embeddings of the first run (the charts show one seed). */
  readonly perClass: ReadonlyArray<ClassAccuracy>
  readonly confusion: ReadonlyArray<ConfusionCell>
  readonly embeddings: EmbeddingTable
}

export interface ReportOptions {
  /** Seeds the projection subsample and the PCA start vectors. */
  readonly seed: number
  /** Most test points drawn per projection. */
  readonly projectionPoints: number
}

export interface BuiltReport {
  readonly rows: ReadonlyArray<ResultRow>
  readonly seedRows: ReadonlyArray<SeedRow>
  /** `results.arrow` bytes. */
  readonly results: Uint8Array
  readonly markdown: string
  readonly html: string
}

/** DOM-safe id fragment for a method name. */
export const chartId = (kind: string, method: string): string => `${kind}-${method.replace(/[^A-Za-z0-9_-]/g, "_")}`

const figure = (id: string, caption: string, spec: Parameters<typeof renderSvg>[0]) =>
  renderSvg(spec, id).pipe(Effect.map((svg): ChartFigure => ({ id, caption, svg })))

/** Class names from the split metadata, falling back to the probe's per-class names. */
const classNamesOf = (methods: ReadonlyArray<MethodArtifacts>, splits: DatasetSplits): ReadonlyArray<string> =>
  splits.test.classNames.length > 0
    ? splits.test.classNames
    : [...(methods[0]?.perClass ?? [])].sort((a, b) => a.label - b.label).map((c) => c.name)

/** `seed 1`, or nothing for a seed-free run. */
const seedLabel = (seed: number | null): string => (seed === null ? "" : ` (seed ${seed})`)

const chartSections = (
  methods: ReadonlyArray<MethodArtifacts>,
  rows: ReadonlyArray<ResultRow>,
  seedRows: ReadonlyArray<SeedRow>,
  classNames: ReadonlyArray<string>,
  options: ReportOptions
) =>
  Effect.gen(function* () {
    const trained = methods.filter((m) => m.runs[0].history.length > 0)
    const loss: ReportSection = {
      title: "Training",
      note: trained.length === 0 ? "No method has a training history." : "First training seed of each method; baselines without a training phase have no curve.",
      figures:
        trained.length === 0
          ? []
          : [yield* figure("loss-curves", "Pretraining loss per epoch, one panel per method.", lossCurvesSpec(trained.map((m) => ({ method: m.name, history: m.runs[0].history }))))]
    }
    const accuracy: ReportSection = {
      title: "Accuracy",
      note: "The y axis is fitted to the data: it does not start at 0%.",
      figures: [
        yield* figure(
          "top1-across-seeds",
          "Test Top-1 of each self-supervised method under the linear probe and the kNN classifier, with the baselines as reference lines.",
          top1AcrossSeedsSpec(rows, seedRows)
        )
      ]
    }
    const ordered = rows.map((r) => methods.find((m) => m.name === r.method)!)
    const confusion: ReportSection = {
      title: "Confusion matrices",
      figures: yield* Effect.forEach(ordered, (m) =>
        figure(chartId("confusion", m.name), `${m.name}${seedLabel(m.runs[0].seed)}: share of each true class predicted as each class (linear probe).`, confusionSpec(m.name, m.confusion, classNames))
      )
    }
    const rng = makeRng(options.seed).fork("report/projection")
    const projections: ReportSection = {
      title: "Test embeddings in 2-D",
      note: `PCA of a seeded subsample of at most ${options.projectionPoints} test rows per method (its first training seed), colored by true class.`,
      figures: yield* Effect.forEach(ordered, (m) => {
        const rows = subsampleRows(m.embeddings.count, options.projectionPoints, rng.fork("rows"))
        const projection = projectEmbeddings(m.embeddings, rows, rng.fork(`pca/${m.name}`))
        return figure(chartId("projection", m.name), `${m.name}: ${m.embeddings.dim}-dimensional embeddings.`, projectionSpec(m.name, projection, classNames))
      })
    }
    return [loss, accuracy, confusion, projections]
  })

/** One row per run, methods in report order. */
const seedRowsOf = (methods: ReadonlyArray<MethodArtifacts>, rows: ReadonlyArray<ResultRow>): ReadonlyArray<SeedRow> =>
  rows.flatMap((r) => {
    const m = methods.find((x) => x.name === r.method)!
    return m.runs.map((run): SeedRow => ({ method: m.name, kind: m.kind, seed: run.seed, probe: run.metrics, knn: run.knn }))
  })

/** Builds results, markdown and html from every method's artifacts and the split metadata. */
export const buildReport = (methods: ReadonlyArray<MethodArtifacts>, splits: DatasetSplits, options: ReportOptions) =>
  Effect.gen(function* () {
    const rows = orderRows(
      methods.map((m) => resultRow(m, m.runs.map((run) => ({ seed: run.seed, probe: run.metrics, knn: run.knn, history: run.history })), m.embeddings.dim))
    )
    const seedRows = seedRowsOf(methods, rows)
    const sections = yield* chartSections(methods, rows, seedRows, classNamesOf(methods, splits), options)
    const comparisons = yield* pairedComparisons(
      methods.map((m) => ({ name: m.name, kind: m.kind, runs: m.runs.map((run) => ({ seed: run.seed, linear: run.predictions, knn: run.knnPredictions })) }))
    )
    const seedCounts = [...new Set(rows.filter((r) => r.kind !== "raw-pixels").map((r) => r.seeds))].sort((a, b) => a - b)
    const html = reportHtml(
      "SEED: self-supervised learning benchmark",
      [
        `Dataset ${splits.train.source}, images ${splits.train.shape.join("x")}, split ${splits.train.rows} / ${splits.val.rows} / ${splits.test.rows} (train / val / test).`,
        "Numbers measured by this run: a linear probe and a weighted kNN classifier on frozen embeddings, settings chosen on val, accuracy on the test split. Baselines are marked in grey.",
        `Training seeds per method: ${seedCounts.join(" or ")} (raw pixels do not depend on a seed). Top-1 is the mean over seeds ± the sample std in points, with the 95% t interval; report.md has every seed and the paired tests.`
      ],
      rows,
      sections
    )
    const perClass = rows.map((r) => ({ method: r.method, perClass: methods.find((m) => m.name === r.method)!.perClass }))
    return {
      rows,
      seedRows,
      results: resultsIpc(rows),
      markdown: reportMarkdown(rows, splits, { perClass, comparisons, seedRows }),
      html
    } satisfies BuiltReport
  })
