/**
 * report.md: the article's `Method | Top-1 | Top-5` table for the SSL methods, the baselines in a
 * section of their own, whether each method's lead over a floor baseline is significant, the training
 * cost, and the dataset and split the numbers come from.
 */
import type { ClassAccuracy, SplitSummary } from "./artifacts.ts"
import { floorBaselineKinds, isSignificantLead, significanceLevel, type PairedComparison } from "./paired-comparisons.ts"
import { isBaseline, type ResultRow } from "./results.ts"
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

/** The article's table: SSL methods only, best Top-1 in bold. */
export const methodsTable = (rows: ReadonlyArray<ResultRow>): string => {
  const ssl = rows.filter((r) => !isBaseline(r.kind))
  const best = Math.max(...ssl.map((r) => r.top1))
  return markdownTable(
    ["Method", "Top-1", "Top-5"],
    ssl.map((r) => [r.method, r.top1 === best ? `**${percent(r.top1)}**` : percent(r.top1), percent(r.top5)]),
    [false, true, true]
  )
}

/** Baselines in their own table, with what each one stands for. */
export const baselinesTable = (rows: ReadonlyArray<ResultRow>): string =>
  markdownTable(
    ["Baseline", "Role", "Top-1", "Top-5"],
    rows.filter((r) => isBaseline(r.kind)).map((r) => [r.method, r.role, percent(r.top1), percent(r.top5)]),
    [false, false, true, true]
  )

/** Wall time, epochs and throughput of every row's pretraining. */
export const costTable = (rows: ReadonlyArray<ResultRow>): string =>
  markdownTable(
    ["Method", "Role", "Wall time", "Epochs", "Images/s", "Embedding dim"],
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

/** `; significant (p < 0.01): k of n` for the methods whose lead over `baseline` passes the paired test. */
const significanceSuffix = (baseline: string, sslCount: number, comparisons: ReadonlyArray<PairedComparison> | undefined): string => {
  const tested = comparisons?.filter((c) => c.baseline === baseline) ?? []
  if (tested.length === 0) return ""
  return `; significant (p < ${significanceLevel}): ${tested.filter(isSignificantLead).length} of ${sslCount}`
}

/**
 * Where the SSL methods stand against the floor baselines: the check the benchmark exists for.
 * With `comparisons`, each floor line also says how many leads the paired test backs.
 */
export const rankingSummary = (rows: ReadonlyArray<ResultRow>, comparisons?: ReadonlyArray<PairedComparison>): string => {
  const ssl = rows.filter((r) => !isBaseline(r.kind))
  if (ssl.length === 0) return "_No self-supervised method ran._"
  const best = ssl.reduce((a, b) => (b.top1 > a.top1 ? b : a))
  const lines = [`- Best self-supervised method: ${best.method} (Top-1 ${percent(best.top1)}).`]
  for (const kind of floorBaselineKinds) {
    const baseline = rows.find((r) => r.kind === kind)
    if (baseline === undefined) continue
    const above = ssl.filter((r) => r.top1 > baseline.top1).map((r) => r.method)
    const suffix = significanceSuffix(baseline.method, ssl.length, comparisons)
    lines.push(`- Above the ${baseline.method} baseline (${percent(baseline.top1)}): ${above.length} of ${ssl.length}${above.length > 0 ? ` (${above.join(", ")})` : ""}${suffix}.`)
  }
  const supervised = rows.find((r) => r.kind === "supervised")
  if (supervised !== undefined)
    lines.push(`- Gap to the supervised upper bound (${percent(supervised.top1)}): ${((supervised.top1 - best.top1) * 100).toFixed(2)} points.`)
  return lines.join("\n")
}

/** Signed points with two decimals: `+3.05 points`. */
const points = (difference: number): string => `${difference > 0 ? "+" : ""}${difference.toFixed(2)} points`

/** One row per (self-supervised method, floor baseline) pair, with the exact McNemar test on the test split. */
export const pairedComparisonTable = (comparisons: ReadonlyArray<PairedComparison>): string =>
  markdownTable(
    ["Method", "Baseline", "Top-1 difference", "only the method right", "only the baseline right", "p (exact McNemar)"],
    comparisons.map((c) => [c.method, c.baseline, points(c.difference), String(c.b), String(c.c), formatPValue(c.pValue)]),
    [false, false, true, true, true, true]
  )

/** The section body: what the test is, then the table. */
export const pairedComparisonSection = (comparisons: ReadonlyArray<PairedComparison>): string =>
  comparisons.length === 0
    ? "_No self-supervised method ran beside a random-encoder or raw-pixels baseline, so there is nothing to pair._"
    : [
        `An exact McNemar test pairs each method with a baseline image by image on the test split, using only the images exactly one of the two classifies correctly; p < ${significanceLevel} is treated as a meaningful difference.`,
        "",
        pairedComparisonTable(comparisons)
      ].join("\n")

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

/** The whole report.md; `perClass` in the order of `rows`; the paired section only when `comparisons` is given. */
export const reportMarkdown = (
  rows: ReadonlyArray<ResultRow>,
  splits: DatasetSplits,
  perClass: ReadonlyArray<{ readonly method: string; readonly perClass: ReadonlyArray<ClassAccuracy> }> = [],
  comparisons?: ReadonlyArray<PairedComparison>
): string =>
  [
    "# SEED: self-supervised learning benchmark",
    "",
    "The numbers below were measured by this run of the pipeline (linear probe on frozen embeddings, test split);",
    "they are not copied from the article. Rerunning with the same config reproduces them from the cache.",
    "",
    "## Linear-probe accuracy: self-supervised methods",
    "",
    methodsTable(rows),
    "",
    "## Baselines",
    "",
    "Reference rows, not self-supervised methods: raw pixels and an untrained encoder are the floor,",
    "the same encoder trained with labels is the upper bound.",
    "",
    rows.some((r) => isBaseline(r.kind)) ? baselinesTable(rows) : "_No baselines were configured in this run._",
    "",
    "## Ranking",
    "",
    rankingSummary(rows, comparisons),
    "",
    ...(comparisons === undefined ? [] : ["## Paired comparison on the test split", "", pairedComparisonSection(comparisons), ""]),
    ...(perClass.length === 0 ? [] : ["## Per-class Top-1", "", perClassTable(perClass, splits.test.classNames), ""]),
    "## Training cost",
    "",
    costTable(rows),
    "",
    "## Dataset and split",
    "",
    datasetSection(splits),
    ""
  ].join("\n")
