/**
 * The report's charts as vega-lite specs (data inline, nothing to fetch): loss curves,
 * Top-1 across seeds (linear and kNN), one confusion matrix and one embedding projection per method.
 */
import type { TopLevelSpec } from "vega-lite"
import type { EpochRecord } from "../schemas/artifacts.ts"
import type { ConfusionCell } from "../ml/tables/probe-results.ts"
import type { Projection } from "./projection.ts"
import { isBaseline, type ResultRow, type SeedRow } from "./results.ts"

/** Inline data only; a fixed font and background so the SVG is the same on every machine. */
const config = { font: "sans-serif", background: "white", view: { stroke: "#ddd" } } as const

/** Training loss per epoch, one panel per method; each panel has its own y scale since the losses differ in kind. */
export const lossCurvesSpec = (histories: ReadonlyArray<{ method: string; history: ReadonlyArray<EpochRecord> }>): TopLevelSpec => ({
  title: "Pretraining loss per epoch",
  data: { values: histories.flatMap(({ method, history }) => history.map((e) => ({ method, epoch: e.epoch, loss: e.loss }))) },
  facet: { field: "method", type: "nominal", title: null, sort: histories.map((h) => h.method) },
  columns: 3,
  spec: {
    width: 220,
    height: 150,
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1, format: "d" } },
      y: { field: "loss", type: "quantitative", scale: { zero: false } }
    }
  },
  resolve: { scale: { y: "independent" } },
  config
})

/** A y range in [0, 1] that holds every value with a margin, snapped to half points, so 1-point gaps stay visible. */
export const fittedDomain = (values: ReadonlyArray<number>): readonly [number, number] => {
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const margin = Math.max(0.005, (hi - lo) * 0.08)
  return [Math.max(0, Math.floor((lo - margin) * 200) / 200), Math.min(1, Math.ceil((hi + margin) * 200) / 200)]
}

const baselineColors: Readonly<Record<string, string>> = { "raw-pixels": "#8c564b", "random-encoder": "#d62728", supervised: "#2ca02c" }

/**
 * Top-1 of every self-supervised method under both evaluations (one panel each): the mean over seeds
 * as a dot, its 95% interval as a bar, each seed as a small ring; baselines as labelled reference
 * lines (shaded across their own interval) on a y axis fitted to the data, not starting at 0%.
 */
export const top1AcrossSeedsSpec = (rows: ReadonlyArray<ResultRow>, seedRows: ReadonlyArray<SeedRow>): TopLevelSpec => {
  const panels = [
    { key: "linear", label: "linear probe", top1: (r: SeedRow) => r.probe.top1 },
    { key: "knn", label: "kNN", top1: (r: SeedRow) => r.knn.top1 }
  ] as const
  const ssl = rows.filter((r) => !isBaseline(r.kind))
  const means = rows.flatMap((r) =>
    panels.map((p) => ({
      layer: isBaseline(r.kind) ? "baseline" : "method",
      method: r.method,
      kind: r.kind,
      evaluation: p.label,
      top1: r[p.key].mean,
      low: r[p.key].low,
      high: r[p.key].high,
      seeds: r.seeds
    }))
  )
  const seeds = seedRows
    .filter((r) => !isBaseline(r.kind))
    .flatMap((r) => panels.map((p) => ({ layer: "seed", method: r.method, evaluation: p.label, top1: p.top1(r), seed: r.seed })))
  const domain = fittedDomain([...means.flatMap((v) => [v.top1, v.low ?? v.top1, v.high ?? v.top1]), ...seeds.map((v) => v.top1)])
  const baselineKinds = rows.filter((r) => isBaseline(r.kind))
  const only = (layer: string) => [{ filter: `datum.layer === '${layer}'` }]
  const baselineColor = {
    field: "method",
    type: "nominal" as const,
    title: "baseline (dashed)",
    legend: { symbolType: "stroke", symbolStrokeWidth: 2, symbolOpacity: 1, symbolDash: [6, 4], symbolSize: 300 },
    scale: { domain: baselineKinds.map((r) => r.method), range: baselineKinds.map((r) => baselineColors[r.kind] ?? "#7f7f7f") }
  }
  const y = { field: "top1", type: "quantitative" as const, title: "Top-1 (test split)", scale: { domain: [...domain], zero: false, nice: false }, axis: { format: ".1%" } }
  return {
    title: { text: "Top-1 across training seeds", subtitle: "dot: mean over seeds; bar: 95% t interval; ring: one seed; dashed lines: baselines (shaded: their interval)" },
    data: { values: [...means, ...seeds] },
    facet: { column: { field: "evaluation", type: "nominal", title: null, sort: panels.map((p) => p.label), header: { labelFontSize: 13 } } },
    spec: {
      width: Math.max(200, 90 * ssl.length),
      height: 340,
      layer: [
        {
          transform: only("baseline"),
          // first layer: the legend takes its symbol (a dashed stroke) from here
          mark: { type: "rule", strokeDash: [6, 4], strokeWidth: 1.5 },
          encoding: { y, color: baselineColor, tooltip: [{ field: "method" }, { field: "top1", format: ".2%" }, { field: "seeds" }] }
        },
        {
          transform: [...only("baseline"), { filter: "datum.low != null" }],
          mark: { type: "rect", opacity: 0.12 },
          encoding: { x: { value: 0 }, x2: { value: "width" }, y: { ...y, field: "low" }, y2: { field: "high" }, color: baselineColor }
        },
        {
          transform: [...only("method"), { filter: "datum.low != null" }],
          mark: { type: "rule", strokeWidth: 2, color: "#1f77b4" },
          encoding: { x: { field: "method", type: "nominal", sort: ssl.map((r) => r.method), title: null, axis: { labelAngle: 0 } }, y: { ...y, field: "low" }, y2: { field: "high" } }
        },
        {
          transform: only("seed"),
          mark: { type: "point", size: 30, color: "#1f77b4", opacity: 0.6 },
          encoding: { x: { field: "method", type: "nominal", sort: ssl.map((r) => r.method) }, y, tooltip: [{ field: "method" }, { field: "seed" }, { field: "top1", format: ".2%" }] }
        },
        {
          transform: only("method"),
          mark: { type: "circle", size: 90, color: "#1f77b4", opacity: 1 },
          encoding: {
            x: { field: "method", type: "nominal", sort: ssl.map((r) => r.method) },
            y,
            tooltip: [{ field: "method" }, { field: "top1", title: "mean Top-1", format: ".2%" }, { field: "low", format: ".2%" }, { field: "high", format: ".2%" }, { field: "seeds" }]
          }
        }
      ]
    },
    config
  }
}

/** Row-normalized confusion matrix with counts written in each cell. */
export const confusionSpec = (method: string, cells: ReadonlyArray<ConfusionCell>, classNames: ReadonlyArray<string>): TopLevelSpec => {
  const k = classNames.length
  const counts = new Float64Array(k * k)
  for (const c of cells) if (c.trueLabel < k && c.predictedLabel < k) counts[c.trueLabel * k + c.predictedLabel] += c.count
  const values = classNames.flatMap((trueName, t) => {
    const rowTotal = counts.subarray(t * k, (t + 1) * k).reduce((a, b) => a + b, 0)
    return classNames.map((predicted, p) => ({
      truth: trueName,
      predicted,
      count: counts[t * k + p],
      rate: rowTotal === 0 ? 0 : counts[t * k + p] / rowTotal
    }))
  })
  const axis = (title: string) => ({ field: title === "true class" ? "truth" : "predicted", type: "ordinal" as const, sort: [...classNames], title })
  return {
    title: { text: method, subtitle: "confusion matrix, test split; color = share of the true class" },
    data: { values },
    width: 22 * k + 40,
    height: 22 * k + 40,
    encoding: { x: axis("predicted class"), y: axis("true class") },
    layer: [
      {
        mark: "rect",
        encoding: { color: { field: "rate", type: "quantitative", scale: { scheme: "blues", domain: [0, 1] }, title: "share" } }
      },
      {
        mark: { type: "text", fontSize: 8 },
        encoding: {
          text: { field: "count", type: "quantitative", format: "d" },
          color: { condition: { test: "datum.rate > 0.5", value: "white" }, value: "black" }
        }
      }
    ],
    config
  }
}

/** The 2-D projection of a method's test embeddings, colored by true class. */
export const projectionSpec = (method: string, projection: Projection, classNames: ReadonlyArray<string>): TopLevelSpec => {
  const [ex, ey] = projection.explained.map((e) => `${(e * 100).toFixed(1)}%`)
  return {
    title: { text: method, subtitle: `PCA of ${projection.points.length} test embeddings` },
    data: { values: projection.points.map((p) => ({ x: p.x, y: p.y, label: classNames[p.label] ?? String(p.label) })) },
    width: 320,
    height: 320,
    // Thousands of points: no per-point aria labels and whole-pixel positions keep the page small.
    mark: { type: "circle", size: 9, opacity: 0.7, aria: false },
    encoding: {
      x: { field: "x", type: "quantitative", title: `PC1 (${ex} of variance)`, axis: { format: ".2~g" }, scale: { round: true } },
      y: { field: "y", type: "quantitative", title: `PC2 (${ey} of variance)`, axis: { format: ".2~g" }, scale: { round: true } },
      color: { field: "label", type: "nominal", title: "class", scale: { domain: [...classNames], scheme: classNames.length <= 10 ? "category10" : "tableau20" } }
    },
    config
  }
}
