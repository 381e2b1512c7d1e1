import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readImageMetadataEffect as readSplitSummary } from "../../data/image-table.ts"
import { readEmbeddings } from "../../ml/tables/embeddings.ts"
import { readHistory } from "../../ml/tables/history.ts"
import { readKnnMetrics } from "../../ml/tables/knn-metrics.ts"
import { readPredictions } from "../../ml/tables/predictions.ts"
import { readPerClass, readProbeMetrics as readMetrics } from "../../ml/tables/probe-results.ts"
import { seedSpread } from "../../report/interval.ts"
import {
  accuracyCell,
  baselinesTable,
  comparisonSummaryTable,
  costTable,
  intervalCell,
  markdownTable,
  methodsTable,
  pairedComparisonTable,
  perClassTable,
  perSeedTable,
  rankingSummary,
  reportMarkdown
} from "../../report/markdown.ts"
import { pairedComparisons, type PairedComparison } from "../../report/paired-comparisons.ts"
import { orderRows, resultRow, type ResultRow, type SeedRow } from "../../report/results.ts"
import { runKey } from "../../stages/seeded-runs.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { fixtureMethods, fixtureRuns, writeReportFixtures } from "./fixtures.ts"

const dir = sharedTempDir("report-md-")
const files = writeReportFixtures(dir, 40)
const runsOf = (name: string) => fixtureRuns.filter((r) => r.name === name)

/** Every run's metrics read back from the fixture Arrow files, the way the stage reads them. */
const loadRuns = (name: string) =>
  Effect.forEach(runsOf(name), ({ seed }) =>
    Effect.all({
      seed: Effect.succeed(seed),
      probe: readMetrics(files[`metrics:${runKey(name, seed)}`]),
      knn: readKnnMetrics(files[`knn_metrics:${runKey(name, seed)}`]),
      history: readHistory(files[`history:${runKey(name, seed)}`])
    })
  )

const loadRows = Effect.forEach(fixtureMethods, (m) =>
  Effect.gen(function* () {
    const embeddings = yield* readEmbeddings(files[`embeddings:${m.name}`])
    return resultRow(m, yield* loadRuns(m.name), embeddings.dim)
  })
).pipe(Effect.map(orderRows))

const loadSeedRows = Effect.forEach(fixtureMethods, (m) =>
  Effect.map(loadRuns(m.name), (runs) => runs.map((r): SeedRow => ({ method: m.name, kind: m.kind, seed: r.seed, probe: r.probe, knn: r.knn })))
).pipe(Effect.map((rows) => rows.flat()))

/** The paired tests over the fixture predictions, the way the report computes them. */
const loadComparisons = Effect.forEach(fixtureMethods, (m) =>
  Effect.map(
    Effect.forEach(runsOf(m.name), ({ seed }) =>
      Effect.all({
        seed: Effect.succeed(seed),
        linear: readPredictions(files[`predictions:${runKey(m.name, seed)}`]),
        knn: readPredictions(files[`knn_predictions:${runKey(m.name, seed)}`])
      })
    ),
    (runs) => ({ name: m.name, kind: m.kind, runs })
  )
).pipe(Effect.flatMap(pairedComparisons))

const loadSplits = Effect.all({
  train: readSplitSummary(files.train),
  val: readSplitSummary(files.val),
  test: readSplitSummary(files.test)
})

describe("report markdown", () => {
  it("writes one seed as a bare figure without an interval, several with std and the t interval", () => {
    expect(accuracyCell(seedSpread([0.8315]))).toBe("83.15%")
    expect(intervalCell(seedSpread([0.8315]))).toBe("1 seed, no interval")
    expect(accuracyCell(seedSpread([0.79, 0.81, 0.8]))).toBe("80.00% ± 1.00")
    expect(intervalCell(seedSpread([0.79, 0.81, 0.8]))).toBe("[77.52, 82.48]")
  })

  it.effect("the article's table holds exactly the SSL methods, linear and kNN Top-1 across seeds, best linear mean in bold", () =>
    Effect.gen(function* () {
      const table = methodsTable(yield* loadRows).split("\n")
      expect(table[0]).toBe("| Method | Seeds | Linear Top-1 | 95% interval | kNN Top-1 | 95% interval | Linear Top-5 | kNN Top-5 |")
      expect(table[1]).toBe("|---|---:|---:|---:|---:|---:|---:|---:|")
      // seeds move Top-1 by +0.3, -0.6, +0.4 points (fixtures.ts); kNN sits two points lower; scipy gives these intervals
      expect(table.slice(2)).toEqual([
        "| autoencoder | 3 | 83.23% ± 0.55 | [81.87, 84.60] | 81.23% ± 0.55 | [79.87, 82.60] | 93.23% | 91.23% |",
        "| contrastive | 3 | **87.13% ± 0.55** | [85.77, 88.50] | 85.13% ± 0.55 | [83.77, 86.50] | 97.13% | 95.13% |",
        "| infomax | 3 | 85.83% ± 0.55 | [84.47, 87.20] | 83.83% ± 0.55 | [82.47, 85.20] | 95.83% | 93.83% |"
      ])
    })
  )

  it.effect("baselines get their own table with a role per row; raw pixels ran once", () =>
    Effect.gen(function* () {
      const lines = baselinesTable(yield* loadRows).split("\n")
      expect(lines[0]).toBe("| Baseline | Role | Seeds | Linear Top-1 | 95% interval | kNN Top-1 | 95% interval | Linear Top-5 | kNN Top-5 |")
      expect(lines.slice(2)).toEqual([
        "| raw-pixels | baseline: raw pixels | 1 | 84.00% | 1 seed, no interval | 82.00% | 1 seed, no interval | 94.00% | 92.00% |",
        "| random-encoder | baseline: untrained encoder | 3 | 78.13% ± 0.55 | [76.77, 79.50] | 76.13% ± 0.55 | [74.77, 77.50] | 88.13% | 86.13% |",
        "| supervised | baseline: supervised (upper bound) | 3 | 91.53% ± 0.55 | [90.17, 92.90] | 89.53% ± 0.55 | [88.17, 90.90] | 100.00% | 99.53% |" // kNN Top-5 clipped at 100% per seed
      ])
    })
  )

  it.effect("lists every run in the per-seed table with the L2 and k chosen on val", () =>
    Effect.gen(function* () {
      const lines = perSeedTable(yield* loadSeedRows).split("\n")
      expect(lines[0]).toBe("| Method | Seed | Linear Top-1 | Linear Top-5 | L2 (val) | kNN Top-1 | kNN Top-5 | k (val) |")
      expect(lines).toHaveLength(2 + fixtureRuns.length)
      expect(lines[2]).toBe("| autoencoder | 0 | 83.50% | 93.50% | 0.001 | 81.50% | 91.50% | 20 |")
      expect(lines.find((l) => l.startsWith("| raw-pixels"))).toBe("| raw-pixels | none (no seed dependence) | 84.00% | 94.00% | 0.001 | 82.00% | 92.00% | 20 |")
    })
  )

  it.effect("training cost is the mean wall time per seed and marks methods that do not train", () =>
    Effect.gen(function* () {
      const rows = yield* loadRows
      const seconds = yield* Effect.forEach(runsOf("contrastive"), ({ seed }) =>
        Effect.map(readHistory(files[`history:${runKey("contrastive", seed)}`]), (h) => h.reduce((s, e) => s + e.seconds, 0))
      )
      const contrastive = rows.find((r) => r.method === "contrastive")!
      expect(contrastive.epochs).toBe(3)
      expect(contrastive.wallSeconds).toBeCloseTo(seconds.reduce((a, b) => a + b, 0) / 3, 10)
      const lines = costTable(rows).split("\n")
      expect(lines[0]).toBe("| Method | Role | Wall time per seed | Epochs | Images/s | Embedding dim |")
      expect(lines.find((l) => l.startsWith("| raw-pixels "))).toBe("| raw-pixels | baseline: raw pixels | no training | 0 | n/a | 49 |")
      expect(lines.find((l) => l.startsWith("| contrastive "))).toMatch(/^\| contrastive \| self-supervised \| 3\d\.\d s \| 3 \| \d+ \| 16 \|$/)
    })
  )

  it.effect("ranks the SSL methods against the floor baselines and the supervised bound, under both evaluations", () =>
    Effect.gen(function* () {
      expect(rankingSummary(yield* loadRows).split("\n")).toEqual([
        "- Best self-supervised method: contrastive (linear Top-1 87.13%); by kNN: contrastive (85.13%). Means over seeds.",
        "- Above the random-encoder baseline (linear 78.13%, kNN 76.13%): linear probe 3 of 3 (autoencoder, contrastive, infomax); kNN 3 of 3 (autoencoder, contrastive, infomax).",
        "- Above the raw-pixels baseline (linear 84.00%, kNN 82.00%): linear probe 2 of 3 (contrastive, infomax); kNN 2 of 3 (contrastive, infomax).",
        "- Gap to the supervised upper bound (linear 91.53%): 4.40 points."
      ])
    })
  )

  it.effect("with paired tests, each line says how many differences are meaningful, between SSL methods too", () =>
    Effect.gen(function* () {
      const spread = seedSpread([0.01])
      const test = (method: string, other: string, evaluation: "linear" | "knn", meaningful: boolean, mean = 1): PairedComparison => ({
        method, other, otherKind: "", evaluation, seeds: [], difference: { ...spread, mean }, meaningful
      })
      const comparisons = [
        test("autoencoder", "random-encoder", "linear", true),
        test("contrastive", "random-encoder", "linear", true),
        test("infomax", "random-encoder", "linear", false),
        test("contrastive", "raw-pixels", "knn", true),
        test("autoencoder", "contrastive", "linear", true, -3.9),
        test("autoencoder", "infomax", "linear", false),
        test("contrastive", "infomax", "linear", false),
        test("autoencoder", "contrastive", "knn", false)
      ]
      expect(rankingSummary(yield* loadRows, comparisons).split("\n").slice(1, 4)).toEqual([
        "- Above the random-encoder baseline (linear 78.13%, kNN 76.13%): linear probe 3 of 3 (autoencoder, contrastive, infomax), meaningful 2 of 3; kNN 3 of 3 (autoencoder, contrastive, infomax).",
        "- Above the raw-pixels baseline (linear 84.00%, kNN 82.00%): linear probe 2 of 3 (contrastive, infomax); kNN 2 of 3 (contrastive, infomax), meaningful 1 of 3.",
        "- Meaningful differences between self-supervised methods: linear probe: contrastive > autoencoder (+3.90 points) (1 of 3 pairs); kNN: none (0 of 1 pairs)."
      ])
    })
  )

  it.effect("tabulates each comparison once (mean difference, interval, verdict) and each per-seed test with raw and Holm p", () =>
    Effect.gen(function* () {
      const comparisons = yield* loadComparisons
      expect(comparisons).toHaveLength(2 * (6 + 3))
      const summary = comparisonSummaryTable(comparisons).split("\n")
      expect(summary[0]).toBe("| Method | Compared with | Evaluation | Mean Top-1 difference | 95% interval | Seeds | Largest Holm-adjusted p | Meaningful |")
      expect(summary).toHaveLength(2 + comparisons.length)
      expect(summary[2]).toMatch(/^\| autoencoder \| random-encoder \| linear probe \| \+\d+\.\d\d points \| \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\] \| 3 \| [\d.e-]+ \| (yes|no) \|$/)
      const every = pairedComparisonTable(comparisons).split("\n")
      expect(every[0]).toBe("| Method | Compared with | Evaluation | Seed | Top-1 difference | only the method right | only the other right | p (exact McNemar) | p (Holm) |")
      // three seeds per comparison, raw pixels' single run paired with each
      expect(every).toHaveLength(2 + 3 * comparisons.length)
      expect(every.filter((l) => l.startsWith("| contrastive | raw-pixels | kNN |")).map((l) => l.split(" | ")[3])).toEqual(["0", "1", "2"])
    })
  )

  it.effect("the whole report: per-seed table before the ranking, paired comparisons after it", () =>
    Effect.gen(function* () {
      const rows = yield* loadRows
      const comparisons = yield* loadComparisons
      const md = reportMarkdown(rows, yield* loadSplits, { comparisons, seedRows: yield* loadSeedRows })
      expect(md).toContain("Each seeded method ran with 3 training seeds;")
      const perSeed = md.indexOf("## Per-seed results")
      const section = md.indexOf("## Paired comparisons on the test split")
      expect(perSeed).toBeGreaterThan(md.indexOf("## Baselines"))
      expect(perSeed).toBeLessThan(md.indexOf("## Ranking"))
      expect(section).toBeGreaterThan(md.indexOf("## Ranking"))
      expect(section).toBeLessThan(md.indexOf("## Training cost"))
      expect(md).toMatch(/Holm's correction runs over all 54 tests of this report/)
      expect(md).toContain("- Source: `fashion-mnist`")
      expect(md).toContain("| train | 56000 | 80.0% | 5600 |")
      // without paired tests or per-seed rows the report leaves those sections out
      const bare = reportMarkdown(rows, yield* loadSplits)
      expect(bare).not.toContain("Paired comparisons")
      expect(bare).not.toContain("## Per-seed results")
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

  it("escapes pipes in cells and says so when no baseline ran; one seed says so in the intro", () => {
    expect(markdownTable(["a|b"], [["x|y"]])).toBe("| a\\|b |\n|---|\n| x\\|y |")
    const one = seedSpread([0.5])
    const only: ResultRow = { method: "infomax", kind: "infomax", role: "self-supervised", seeds: 1, linear: one, linearTop5: 0.9, knn: one, knnTop5: 0.9, wallSeconds: 1, epochs: 1, imagesPerS: 10, embeddingDim: 8 }
    const split = { source: "synthetic", shape: [8, 8, 1], classNames: ["a", "b"], rows: 2, classCounts: [1, 1] }
    const md = reportMarkdown([only], { train: split, val: split, test: split })
    expect(md).toContain("No baselines were configured")
    expect(md).toContain("Each seeded method ran with 1 training seed;")
    expect(md).toContain("| infomax | 1 | **50.00%** | 1 seed, no interval | 50.00% | 1 seed, no interval | 90.00% | 90.00% |")
  })
})
