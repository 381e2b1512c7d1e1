/**
 * The report's charts as vega-lite specs (data inline, nothing to fetch): loss curves,
 * accuracy bars, one confusion matrix and one embedding projection per method.
 */
import type { TopLevelSpec } from "vega-lite"
import type { ConfusionCell, EpochRecord } from "./artifacts.ts"
import type { Projection } from "./projection.ts"
import { isBaseline, type ResultRow } from "./results.ts"

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

/** Top-1 and Top-5 side by side per method; SSL methods and baselines in separate panels. */
export const accuracyBarsSpec = (rows: ReadonlyArray<ResultRow>): TopLevelSpec => ({
  title: "Linear-probe accuracy on the test split",
  data: {
    values: rows.flatMap((r) => {
      const group = isBaseline(r.kind) ? "baselines" : "self-supervised"
      return [
        { method: r.method, group, metric: "Top-1", accuracy: r.top1 },
        { method: r.method, group, metric: "Top-5", accuracy: r.top5 }
      ]
    })
  },
  facet: { column: { field: "group", type: "nominal", title: null, sort: ["self-supervised", "baselines"] } },
  spec: {
    width: { step: 44 },
    height: 220,
    mark: "bar",
    encoding: {
      x: { field: "method", type: "nominal", sort: rows.map((r) => r.method), title: null, axis: { labelAngle: -30 } },
      xOffset: { field: "metric", type: "nominal" },
      y: { field: "accuracy", type: "quantitative", scale: { domain: [0, 1] }, axis: { format: ".0%" }, title: "accuracy" },
      color: { field: "metric", type: "nominal", scale: { range: ["#1f77b4", "#aec7e8"] } },
      tooltip: [{ field: "method" }, { field: "metric" }, { field: "accuracy", format: ".2%" }]
    }
  },
  resolve: { scale: { x: "independent" } },
  config
})

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
