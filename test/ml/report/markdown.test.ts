import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readEmbeddings, readHistory, readMetrics, readPredictions, readSplitSummary } from "../../../ml/report/artifacts.ts"
import { readPerClass } from "../../../ml/report/artifacts.ts"
import { baselinesTable, costTable, markdownTable, methodsTable, pairedComparisonTable, perClassTable, rankingSummary, reportMarkdown } from "../../../ml/report/markdown.ts"
import { pairedComparisons, type PairedComparison } from "../../../ml/report/paired-comparisons.ts"
import { orderRows, resultRow, type ResultRow } from "../../../ml/report/results.ts"
import { sharedTempDir } from "../../support/temp-dir.ts"
import { fixtureMethods, writeReportFixtures } from "./fixtures.ts"

const dir = sharedTempDir("report-md-")
const files = writeReportFixtures(dir, 40)

/** Result rows read back from the fixture Arrow files, the way the stage reads them. */
const loadRows = Effect.forEach(fixtureMethods, (m) =>
  Effect.gen(function* () {
    const metrics = yield* readMetrics(files[`metrics:${m.name}`])
    const history = yield* readHistory(files[`history:${m.name}`])
    const embeddings = yield* readEmbeddings(files[`embeddings:${m.name}`])
    return resultRow(m, metrics, history, embeddings.dim)
  })
).pipe(Effect.map(orderRows))

/** The paired tests over the fixture predictions, the way the report computes them. */
const loadComparisons = Effect.forEach(fixtureMethods, (m) =>
  Effect.map(readPredictions(files[`predictions:${m.name}`]), (predictions) => ({ name: m.name, kind: m.kind, predictions }))
).pipe(Effect.flatMap(pairedComparisons))

const loadSplits = Effect.all({
  train: readSplitSummary(files.train),
  val: readSplitSummary(files.val),
  test: readSplitSummary(files.test)
})

describe("report markdown", () => {
  it.effect("the article's table holds exactly the SSL methods, best Top-1 in bold", () =>
    Effect.gen(function* () {
      const table = methodsTable(yield* loadRows).split("\n")
      expect(table[0]).toBe("| Method | Top-1 | Top-5 |")
      expect(table[1]).toBe("|---|---:|---:|")
      expect(table.slice(2)).toEqual([
        "| autoencoder | 83.20% | 93.20% |",
        "| contrastive | **87.10%** | 97.10% |",
        "| infomax | 85.80% | 95.80% |"
      ])
    })
  )

  it.effect("baselines get their own table with a role per row", () =>
    Effect.gen(function* () {
      const lines = baselinesTable(yield* loadRows).split("\n")
      expect(lines[0]).toBe("| Baseline | Role | Top-1 | Top-5 |")
      expect(lines.slice(2)).toEqual([
        "| raw-pixels | baseline: raw pixels | 84.00% | 94.00% |",
        "| random-encoder | baseline: untrained encoder | 78.10% | 88.10% |",
        "| supervised | baseline: supervised (upper bound) | 91.50% | 100.00% |"
      ])
    })
  )

  it.effect("training cost sums epoch times and marks methods that do not train", () =>
    Effect.gen(function* () {
      const rows = yield* loadRows
      const history = yield* readHistory(files["history:contrastive"])
      const contrastive = rows.find((r) => r.method === "contrastive")!
      expect(contrastive.epochs).toBe(3)
      expect(contrastive.wallSeconds).toBeCloseTo(history.reduce((s, e) => s + e.seconds, 0), 10)
      const lines = costTable(rows).split("\n")
      expect(lines.find((l) => l.startsWith("| raw-pixels "))).toBe("| raw-pixels | baseline: raw pixels | no training | 0 | n/a | 49 |")
      expect(lines.find((l) => l.startsWith("| contrastive "))).toMatch(/^\| contrastive \| self-supervised \| 3\d\.\d s \| 3 \| \d+ \| 16 \|$/)
    })
  )

  it.effect("the whole report names the dataset, its split counts and that the numbers are from this run", () =>
    Effect.gen(function* () {
      const md = reportMarkdown(yield* loadRows, yield* loadSplits)
      expect(md).toContain("- Source: `fashion-mnist`")
      expect(md).toContain("- Image shape (H x W x C): 28 x 28 x 1")
      expect(md).toContain("| train | 56000 | 80.0% | 5600 |")
      expect(md).toContain("| test | 7000 | 10.0% | 700 |")
      expect(md).toMatch(/measured by this run/)
      expect(md.indexOf("## Baselines")).toBeGreaterThan(md.indexOf("| infomax |"))
    })
  )

  it.effect("ranks the SSL methods against the floor baselines and the supervised bound", () =>
    Effect.gen(function* () {
      expect(rankingSummary(yield* loadRows).split("\n")).toEqual([
        "- Best self-supervised method: contrastive (Top-1 87.10%).",
        "- Above the random-encoder baseline (78.10%): 3 of 3 (autoencoder, contrastive, infomax).",
        "- Above the raw-pixels baseline (84.00%): 2 of 3 (contrastive, infomax).",
        "- Gap to the supervised upper bound (91.50%): 4.40 points."
      ])
    })
  )

  it.effect("with paired tests, each floor baseline line says how many leads are significant", () =>
    Effect.gen(function* () {
      const test = (method: string, baseline: string, difference: number, pValue: number): PairedComparison => ({ method, baseline, difference, pValue, b: 0, c: 0 })
      const comparisons = [
        test("autoencoder", "random-encoder", 5.1, 2e-9),
        test("contrastive", "random-encoder", 9, 1e-20),
        test("infomax", "random-encoder", 7.7, 0.03),
        test("autoencoder", "raw-pixels", -0.8, 0.2),
        test("contrastive", "raw-pixels", 3.1, 0.004),
        test("infomax", "raw-pixels", 1.8, 0.008)
      ]
      expect(rankingSummary(yield* loadRows, comparisons).split("\n")).toEqual([
        "- Best self-supervised method: contrastive (Top-1 87.10%).",
        "- Above the random-encoder baseline (78.10%): 3 of 3 (autoencoder, contrastive, infomax); significant (p < 0.01): 2 of 3.",
        "- Above the raw-pixels baseline (84.00%): 2 of 3 (contrastive, infomax); significant (p < 0.01): 2 of 3.",
        "- Gap to the supervised upper bound (91.50%): 4.40 points."
      ])
    })
  )

  it("renders one paired-test row per method and baseline, p in short form", () => {
    const lines = pairedComparisonTable([
      { method: "infomax", baseline: "random-encoder", difference: 3.05, b: 120, c: 59, pValue: 3.14e-5 },
      { method: "infomax", baseline: "raw-pixels", difference: -0.4, b: 30, c: 38, pValue: 0.4213 }
    ]).split("\n")
    expect(lines).toEqual([
      "| Method | Baseline | Top-1 difference | only the method right | only the baseline right | p (exact McNemar) |",
      "|---|---|---:|---:|---:|---:|",
      "| infomax | random-encoder | +3.05 points | 120 | 59 | 3.1e-5 |",
      "| infomax | raw-pixels | -0.40 points | 30 | 38 | 0.42 |"
    ])
  })

  it.effect("the whole report places the paired comparison right after the ranking", () =>
    Effect.gen(function* () {
      const rows = yield* loadRows
      const comparisons = yield* loadComparisons
      expect(comparisons.map((c) => `${c.method} vs ${c.baseline}`)).toEqual([
        "autoencoder vs random-encoder", "contrastive vs random-encoder", "infomax vs random-encoder",
        "autoencoder vs raw-pixels", "contrastive vs raw-pixels", "infomax vs raw-pixels"
      ])
      const md = reportMarkdown(rows, yield* loadSplits, [], comparisons)
      const section = md.indexOf("## Paired comparison on the test split")
      expect(section).toBeGreaterThan(md.indexOf("## Ranking"))
      expect(section).toBeLessThan(md.indexOf("## Training cost"))
      const body = md.slice(section).split("\n")
      expect(body[2]).toMatch(/^An exact McNemar test .* p < 0\.01 is treated as a meaningful difference\.$/)
      expect(body[4]).toBe("| Method | Baseline | Top-1 difference | only the method right | only the baseline right | p (exact McNemar) |")
      expect(body.slice(6, 12).map((l) => l.split(" | ").slice(0, 2).join(" | "))).toEqual(comparisons.map((c) => `| ${c.method} | ${c.baseline}`))
      expect(md).toMatch(/- Above the random-encoder baseline \(78\.10%\): 3 of 3 \(autoencoder, contrastive, infomax\); significant \(p < 0\.01\): \d of 3\./)
      // without paired tests (older callers) the report keeps its previous shape
      expect(reportMarkdown(rows, yield* loadSplits)).not.toContain("Paired comparison")
    })
  )

  it.effect("tabulates per-class accuracy, one column per method", () =>
    Effect.gen(function* () {
      const perClass = yield* readPerClass(files["per_class:infomax"])
      const lines = perClassTable([{ method: "infomax", perClass }], (yield* loadSplits).test.classNames).split("\n")
      expect(lines[0]).toBe("| Class | infomax |")
      expect(lines).toHaveLength(12)
      expect(lines[2]).toBe(`| T-shirt/top | ${(perClass[0].accuracy * 100).toFixed(2)}% |`)
      expect(lines[11].startsWith("| Ankle boot | ")).toBe(true)
    })
  )

  it("escapes pipes in cells and says so when no baseline ran", () => {
    expect(markdownTable(["a|b"], [["x|y"]])).toBe("| a\\|b |\n|---|\n| x\\|y |")
    const only: ResultRow = { method: "infomax", kind: "infomax", role: "self-supervised", top1: 0.5, top5: 0.9, wallSeconds: 1, epochs: 1, imagesPerS: 10, embeddingDim: 8 }
    const split = { source: "synthetic", shape: [8, 8, 1], classNames: ["a", "b"], rows: 2, classCounts: [1, 1] }
    expect(reportMarkdown([only], { train: split, val: split, test: split })).toContain("No baselines were configured")
  })
})
