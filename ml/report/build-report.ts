/**
 * Turns the artifacts of every method (already read) into the three report outputs:
 * the results table, report.md (with the paired significance tests) and report.html.
 * Pure apart from chart rendering; no clock, no I/O.
 */
import * as Effect from "effect/Effect"
import { makeRng } from "../random.ts"
import type { Predictions } from "../tables/predictions.ts"
import type { ClassAccuracy, ConfusionCell, Embeddings, EpochRecord, ProbeMetrics } from "./artifacts.ts"
import { accuracyBarsSpec, confusionSpec, lossCurvesSpec, projectionSpec } from "./charts.ts"
import { reportHtml, type ChartFigure, type ReportSection } from "./html.ts"
import { reportMarkdown, type DatasetSplits } from "./markdown.ts"
import { pairedComparisons } from "./paired-comparisons.ts"
import { projectEmbeddings, subsampleRows } from "./projection.ts"
import { renderSvg } from "./render-svg.ts"
import { orderRows, resultRow, type ResultRow } from "./results.ts"
import { resultsIpc } from "./results-table.ts"

export interface MethodArtifacts {
  readonly name: string
  readonly kind: string
  readonly metrics: ProbeMetrics
  readonly perClass: ReadonlyArray<ClassAccuracy>
  readonly confusion: ReadonlyArray<ConfusionCell>
  /** Top-1 class of every test image, for the paired test against the baselines. */
  readonly predictions: Predictions
  readonly history: ReadonlyArray<EpochRecord>
  readonly embeddings: Embeddings
}

export interface ReportOptions {
  /** Seeds the projection subsample and the PCA start vectors. */
  readonly seed: number
  /** Most test points drawn per projection. */
  readonly projectionPoints: number
}

export interface BuiltReport {
  readonly rows: ReadonlyArray<ResultRow>
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

const chartSections = (methods: ReadonlyArray<MethodArtifacts>, rows: ReadonlyArray<ResultRow>, classNames: ReadonlyArray<string>, options: ReportOptions) =>
  Effect.gen(function* () {
    const trained = methods.filter((m) => m.history.length > 0)
    const loss: ReportSection = {
      title: "Training",
      note: trained.length === 0 ? "No method has a training history." : "Baselines without a training phase have no curve.",
      figures: trained.length === 0 ? [] : [yield* figure("loss-curves", "Pretraining loss per epoch, one panel per method.", lossCurvesSpec(trained.map((m) => ({ method: m.name, history: m.history }))))]
    }
    const accuracy: ReportSection = {
      title: "Accuracy",
      figures: [yield* figure("accuracy-bars", "Top-1 and Top-5 of the linear probe on the test split.", accuracyBarsSpec(rows))]
    }
    const ordered = rows.map((r) => methods.find((m) => m.name === r.method)!)
    const confusion: ReportSection = {
      title: "Confusion matrices",
      figures: yield* Effect.forEach(ordered, (m) =>
        figure(chartId("confusion", m.name), `${m.name}: share of each true class predicted as each class.`, confusionSpec(m.name, m.confusion, classNames))
      )
    }
    const rng = makeRng(options.seed).fork("report/projection")
    const projections: ReportSection = {
      title: "Test embeddings in 2-D",
      note: `PCA of a seeded subsample of at most ${options.projectionPoints} test rows per method, colored by true class.`,
      figures: yield* Effect.forEach(ordered, (m) => {
        const rows = subsampleRows(m.embeddings.rows, options.projectionPoints, rng.fork("rows"))
        const projection = projectEmbeddings(m.embeddings, rows, rng.fork(`pca/${m.name}`))
        return figure(chartId("projection", m.name), `${m.name}: ${m.embeddings.dim}-dimensional embeddings.`, projectionSpec(m.name, projection, classNames))
      })
    }
    return [loss, accuracy, confusion, projections]
  })

/** Builds results, markdown and html from every method's artifacts and the split metadata. */
export const buildReport = (methods: ReadonlyArray<MethodArtifacts>, splits: DatasetSplits, options: ReportOptions) =>
  Effect.gen(function* () {
    const rows = orderRows(methods.map((m) => resultRow(m, m.metrics, m.history, m.embeddings.dim)))
    const sections = yield* chartSections(methods, rows, classNamesOf(methods, splits), options)
    const comparisons = yield* pairedComparisons(methods)
    const html = reportHtml(
      "SEED: self-supervised learning benchmark",
      [
        `Dataset ${splits.train.source}, images ${splits.train.shape.join("x")}, split ${splits.train.rows} / ${splits.val.rows} / ${splits.test.rows} (train / val / test).`,
        "Numbers measured by this run: a linear probe on frozen embeddings, evaluated on the test split. Baselines are marked in grey."
      ],
      rows,
      sections
    )
    const perClass = rows.map((r) => ({ method: r.method, perClass: methods.find((m) => m.name === r.method)!.perClass }))
    return { rows, results: resultsIpc(rows), markdown: reportMarkdown(rows, splits, perClass, comparisons), html } satisfies BuiltReport
  })
