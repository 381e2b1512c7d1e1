/**
 * report.md: the article's table for the SSL methods (linear and kNN Top-1, mean, spread and interval
 * across seeds), the baselines in a section of their own, every seed's numbers, the paired tests
 * (per seed, Holm-adjusted) against the baselines and between SSL methods, the training cost, and the
 * dataset and split the numbers come from.
 */
import type { ClassAccuracy } from "../ml/tables/probe-results.ts"

/** What the report shows of a split: part of its images artifact's metadata (data/image-metadata.ts). */
export interface SplitSummary {
  readonly source: string
  readonly shape: ReadonlyArray<number>
  readonly classNames: ReadonlyArray<string>
  readonly rows: number
  readonly classCounts: ReadonlyArray<number>
}
import type { SeedSpread } from "./interval.ts"
import {
  evaluationLabel,
  evaluations,
  floorBaselineKinds,
  isSignificantLead,
  significanceLevel,
  worstAdjustedP,
  type Evaluation,
  type PairedComparison
} from "./paired-comparisons.ts"
import { isBaseline, type ResultRow, type SeedRow } from "./results.ts"
import { formatPValue } from "./significance.ts"

export interface DatasetSplits {
  readonly train: SplitSummary
  readonly val: SplitSummary
  readonly test: SplitSummary
}

/** Accuracy in [0, 1] as a percentage with two decimals. */
export const percent = (fraction: number): string => `${(fraction * 100).toFixed(2)}%`

const seconds = (s: number): string => (s >= 60 ? `${Math.floor(s / 60)} min ${(s % 60).toFixed(0)} s` : `${s.toFixed(1)} s`)

/** Pipes would end a markdown cell early. */
const cell = (text: string): string => text.replace(/\|/g, "\\|")

/** A GitHub-flavoured markdown table; numeric columns are right-aligned. */
export const markdownTable = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  rightAligned: ReadonlyArray<boolean> = header.map(() => false)
): string =>
  [
    `| ${header.map(cell).join(" | ")} |`,
    `|${rightAligned.map((r) => (r ? "---:" : "---")).join("|")}|`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`)
  ].join("\n")

/** `79.15%` for one seed, `79.15% ± 0.42` (sample std in points) for several. */
export const accuracyCell = (spread: SeedSpread): string =>
  spread.std === null ? percent(spread.mean) : `${percent(spread.mean)} ± ${(spread.std * 100).toFixed(2)}`

/** The 95% t interval across seeds in percent, or why there is none. */
export const intervalCell = (spread: SeedSpread): string =>
  spread.low === null || spread.high === null ? "1 seed, no interval" : `[${(spread.low * 100).toFixed(2)}, ${(spread.high * 100).toFixed(2)}]`

const accuracyHeader = ["Seeds", "Linear Top-1", "95% interval", "kNN Top-1", "95% interval", "Linear Top-5", "kNN Top-5"]
const accuracyAlign = accuracyHeader.map(() => true)

const accuracyCells = (r: ResultRow, bold: boolean): ReadonlyArray<string> => [
  String(r.seeds),
  bold ? `**${accuracyCell(r.linear)}**` : accuracyCell(r.linear),
  intervalCell(r.linear),
  accuracyCell(r.knn),
  intervalCell(r.knn),
  percent(r.linearTop5),
  percent(r.knnTop5)
]

/** The article's table for the SSL methods: linear and kNN Top-1 across seeds, best linear mean in bold. */
export const methodsTable = (rows: ReadonlyArray<ResultRow>): string => {
  const ssl = rows.filter((r) => !isBaseline(r.kind))
  const best = Math.max(...ssl.map((r) => r.linear.mean))
  return markdownTable(["Method", ...accuracyHeader], ssl.map((r) => [r.method, ...accuracyCells(r, r.linear.mean === best)]), [false, ...accuracyAlign])
}

/** Baselines in their own table, with what each one stands for. */
export const baselinesTable = (rows: ReadonlyArray<ResultRow>): string =>
  markdownTable(
    ["Baseline", "Role", ...accuracyHeader],
    rows.filter((r) => isBaseline(r.kind)).map((r) => [r.method, r.role, ...accuracyCells(r, false)]),
    [false, false, ...accuracyAlign]
  )

/** Every run on its own: the numbers the means and intervals summarize, with what each evaluation chose on val. */
export const perSeedTable = (runs: ReadonlyArray<SeedRow>): string =>
  markdownTable(
    ["Method", "Seed", "Linear Top-1", "Linear Top-5", "L2 (val)", "kNN Top-1", "kNN Top-5", "k (val)"],
    runs.map((r) => [
      r.method,
      r.seed === null ? "none (no seed dependence)" : String(r.seed),
      percent(r.probe.top1),
      percent(r.probe.top5),
      String(r.probe.l2),
      percent(r.knn.top1),
      percent(r.knn.top5),
      String(r.knn.k)
    ]),
    [false, true, true, true, true, true, true, true]
  )

/** Mean wall time per seed, epochs and throughput of every row's pretraining. */
export const costTable = (rows: ReadonlyArray<ResultRow>): string =>
  markdownTable(
    ["Method", "Role", "Wall time per seed", "Epochs", "Images/s", "Embedding dim"],
    rows.map((r) => [
      r.method,
      r.role,
      r.epochs === 0 ? "no training" : seconds(r.wallSeconds),
      String(r.epochs),
      r.imagesPerS === null ? "n/a" : r.imagesPerS.toFixed(0),
      String(r.embeddingDim)
    ]),
    [false, false, true, true, true, true]
  )

const names = (methods: ReadonlyArray<string>): string => (methods.length > 0 ? ` (${methods.join(", ")})` : "")

/** `linear 3 of 3 (a, b, c), meaningful 2 of 3` for one floor baseline and one evaluation. */
const floorClause = (baseline: ResultRow, ssl: ReadonlyArray<ResultRow>, evaluation: Evaluation, comparisons: ReadonlyArray<PairedComparison> | undefined): string => {
  const above = ssl.filter((r) => r[evaluation].mean > baseline[evaluation].mean).map((r) => r.method)
  const tested = comparisons?.filter((c) => c.other === baseline.method && c.evaluation === evaluation) ?? []
  const meaningful = tested.length === 0 ? "" : `, meaningful ${tested.filter(isSignificantLead).length} of ${ssl.length}`
  return `${evaluationLabel[evaluation]} ${above.length} of ${ssl.length}${names(above)}${meaningful}`
}

/** `contrastive > infomax (+0.81 points)` for every meaningful difference between two SSL methods. */
const sslOrderClause = (comparisons: ReadonlyArray<PairedComparison>, sslNames: ReadonlySet<string>, evaluation: Evaluation): string => {
  const between = comparisons.filter((c) => c.evaluation === evaluation && sslNames.has(c.method) && sslNames.has(c.other))
  const shown = between.filter((c) => c.meaningful).map((c) => {
    const [winner, loser] = c.difference.mean > 0 ? [c.method, c.other] : [c.other, c.method]
    return `${winner} > ${loser} (${points(Math.abs(c.difference.mean))})`
  })
  return `${evaluationLabel[evaluation]}: ${shown.length === 0 ? "none" : shown.join(", ")} (${shown.length} of ${between.length} pairs)`
}

/**
 * Where the SSL methods stand against the floor baselines and each other: the check the benchmark
 * exists for. With `comparisons`, each line also says how many differences the paired tests back.
 */
export const rankingSummary = (rows: ReadonlyArray<ResultRow>, comparisons?: ReadonlyArray<PairedComparison>): string => {
  const ssl = rows.filter((r) => !isBaseline(r.kind))
  if (ssl.length === 0) return "_No self-supervised method ran._"
  const bestBy = (evaluation: Evaluation) => ssl.reduce((a, b) => (b[evaluation].mean > a[evaluation].mean ? b : a))
  const best = bestBy("linear")
  const bestKnn = bestBy("knn")
  const lines = [
    `- Best self-supervised method: ${best.method} (linear Top-1 ${percent(best.linear.mean)}); by kNN: ${bestKnn.method} (${percent(bestKnn.knn.mean)}). Means over seeds.`
  ]
  for (const kind of floorBaselineKinds) {
    const baseline = rows.find((r) => r.kind === kind)
    if (baseline === undefined) continue
    const clauses = evaluations.map((e) => floorClause(baseline, ssl, e, comparisons))
    lines.push(`- Above the ${baseline.method} baseline (linear ${percent(baseline.linear.mean)}, kNN ${percent(baseline.knn.mean)}): ${clauses.join("; ")}.`)
  }
  if (comparisons !== undefined && ssl.length > 1) {
    const sslNames = new Set(ssl.map((r) => r.method))
    lines.push(`- Meaningful differences between self-supervised methods: ${evaluations.map((e) => sslOrderClause(comparisons, sslNames, e)).join("; ")}.`)
  }
  const supervised = rows.find((r) => r.kind === "supervised")
  if (supervised !== undefined)
    lines.push(`- Gap to the supervised upper bound (linear ${percent(supervised.linear.mean)}): ${((supervised.linear.mean - best.linear.mean) * 100).toFixed(2)} points.`)
  return lines.join("\n")
}

/** Signed points with two decimals: `+3.05 points`. */
const points = (difference: number): string => `${difference > 0 ? "+" : ""}${difference.toFixed(2)} points`

/** `[+1.20, +3.40]` points, or why there is none. */
const pointsInterval = (spread: SeedSpread): string => {
  const signed = (v: number) => `${v > 0 ? "+" : ""}${v.toFixed(2)}`
  return spread.low === null || spread.high === null ? "1 seed, no interval" : `[${signed(spread.low)}, ${signed(spread.high)}]`
}

/** One row per comparison: the mean paired difference across seeds, its interval, and the verdict of the per-seed tests. */
export const comparisonSummaryTable = (comparisons: ReadonlyArray<PairedComparison>): string =>
  markdownTable(
    ["Method", "Compared with", "Evaluation", "Mean Top-1 difference", "95% interval", "Seeds", "Largest Holm-adjusted p", "Meaningful"],
    comparisons.map((c) => [
      c.method,
      c.other,
      evaluationLabel[c.evaluation],
      points(c.difference.mean),
      pointsInterval(c.difference),
      String(c.seeds.length),
      formatPValue(worstAdjustedP(c)),
      c.meaningful ? "yes" : "no"
    ]),
    [false, false, false, true, true, true, true, false]
  )

/** One row per comparison and seed: the exact McNemar test on the test images, raw and Holm-adjusted. */
export const pairedComparisonTable = (comparisons: ReadonlyArray<PairedComparison>): string =>
  markdownTable(
    ["Method", "Compared with", "Evaluation", "Seed", "Top-1 difference", "only the method right", "only the other right", "p (exact McNemar)", "p (Holm)"],
    comparisons.flatMap((c) =>
      c.seeds.map((t) => [
        c.method,
        c.other,
        evaluationLabel[c.evaluation],
        t.seed === null ? "none" : String(t.seed),
        points(t.difference),
        String(t.b),
        String(t.c),
        formatPValue(t.pValue),
        formatPValue(t.adjustedP)
      ])
    ),
    [false, false, false, true, true, true, true, true, true]
  )

/** The section body: what the tests are, the summary per comparison, then every per-seed test. */
export const pairedComparisonSection = (comparisons: ReadonlyArray<PairedComparison>): string => {
  if (comparisons.length === 0) return "_No self-supervised method ran beside a baseline or another self-supervised method, so there is nothing to pair._"
  const tests = comparisons.reduce((sum, c) => sum + c.seeds.length, 0)
  return [
    "Each self-supervised method is paired with the random-encoder and raw-pixels baselines and with every other self-supervised method, under both evaluations.",
    "Per seed, an exact McNemar test compares the two on the same test images (only the images exactly one of them classifies correctly count; a baseline without seed dependence pairs with every seed).",
    `Holm's correction runs over all ${tests} tests of this report; a difference is called meaningful when every seed's adjusted p is below ${significanceLevel} and every seed's difference has the same sign.`,
    "The mean paired difference across seeds comes with its 95% t interval (n - 1 degrees of freedom), which covers the seed-to-seed spread.",
    "",
    comparisonSummaryTable(comparisons),
    "",
    "Every test:",
    "",
    pairedComparisonTable(comparisons)
  ].join("\n")
}

/** Test accuracy per class (rows) and method (columns), from the probes' per-class artifacts. */
export const perClassTable = (
  methods: ReadonlyArray<{ readonly method: string; readonly perClass: ReadonlyArray<ClassAccuracy> }>,
  classNames: ReadonlyArray<string>
): string =>
  markdownTable(
    ["Class", ...methods.map((m) => m.method)],
    classNames.map((name, label) => [
      name,
      ...methods.map((m) => {
        const entry = m.perClass.find((c) => c.label === label)
        return entry === undefined ? "n/a" : percent(entry.accuracy)
      })
    ]),
    [false, ...methods.map(() => true)]
  )

/** Source, image shape, classes and per-split counts. */
export const datasetSection = (splits: DatasetSplits): string => {
  const { train } = splits
  const names = train.classNames
  const entries = [["train", splits.train], ["val", splits.val], ["test", splits.test]] as const
  const total = entries.reduce((sum, [, s]) => sum + s.rows, 0)
  return [
    `- Source: \`${train.source}\``,
    `- Image shape (H x W x C): ${train.shape.join(" x ")}`,
    `- Classes (${names.length}): ${names.join(", ")}`,
    "",
    markdownTable(
      ["Split", "Images", "Share", ...names],
      entries.map(([name, s]) => [
        name,
        String(s.rows),
        total === 0 ? "n/a" : `${((s.rows / total) * 100).toFixed(1)}%`,
        ...names.map((_, label) => (s.classCounts[label] === undefined ? "?" : String(s.classCounts[label])))
      ]),
      [false, true, true, ...names.map(() => true)]
    )
  ].join("\n")
}

export interface MarkdownExtras {
  /** Per-class accuracy of each method's first seed, in the order of the rows. */
  readonly perClass?: ReadonlyArray<{ readonly method: string; readonly perClass: ReadonlyArray<ClassAccuracy> }>
  /** The paired section is written only when given. */
  readonly comparisons?: ReadonlyArray<PairedComparison>
  readonly seedRows?: ReadonlyArray<SeedRow>
}

/** The whole report.md. */
export const reportMarkdown = (rows: ReadonlyArray<ResultRow>, splits: DatasetSplits, extras: MarkdownExtras = {}): string => {
  const { perClass = [], comparisons, seedRows = [] } = extras
  // raw pixels run once whatever the seeds, so they do not count here
  const seedCounts = [...new Set(rows.filter((r) => r.kind !== "raw-pixels").map((r) => r.seeds))]
  return [
    "# SEED: self-supervised learning benchmark",
    "",
    "The numbers below were measured by this run of the pipeline (a linear probe and a weighted kNN classifier on frozen",
    "embeddings; settings chosen on the val split, accuracy on the test split); they are not copied from the article.",
    `Each seeded method ran with ${seedCounts.length === 1 ? `${seedCounts[0]} training seed${seedCounts[0] === 1 ? "" : "s"}` : "the training seeds listed below"}; accuracies are means over seeds (± sample std in points, 95% t interval).`,
    "Rerunning with the same config reproduces them from the cache.",
    "",
    "## Top-1 across seeds: self-supervised methods",
    "",
    methodsTable(rows),
    "",
    "## Baselines",
    "",
    "Reference rows, not self-supervised methods: raw pixels and an untrained encoder are the floor,",
    "the same encoder trained with labels is the upper bound. Raw pixels do not depend on a training seed (one run).",
    "",
    rows.some((r) => isBaseline(r.kind)) ? baselinesTable(rows) : "_No baselines were configured in this run._",
    "",
    ...(seedRows.length === 0 ? [] : ["## Per-seed results", "", perSeedTable(seedRows), ""]),
    "## Ranking",
    "",
    rankingSummary(rows, comparisons),
    "",
    ...(comparisons === undefined ? [] : ["## Paired comparisons on the test split", "", pairedComparisonSection(comparisons), ""]),
    ...(perClass.length === 0 ? [] : ["## Per-class Top-1 (linear probe, first seed)", "", perClassTable(perClass, splits.test.classNames), ""]),
    "## Training cost",
    "",
    costTable(rows),
    "",
    "## Dataset and split",
    "",
    datasetSection(splits),
    ""
  ].join("\n")
}
