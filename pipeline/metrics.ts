/**
 * Reading a declared metrics output (see `OutputSpec.metrics`) as flat name -> number pairs, and
 * comparing two runs' metrics the way DVC's `metrics diff` does: every value that moved.
 */
import * as fs from "node:fs"
import type { OutputRecord, RunRecord } from "./records.ts"

export type Metrics = Readonly<Record<string, number>>

/** Numbers of a JSON value, nested keys joined with dots. */
const flattenNumbers = (value: unknown, prefix: string, out: Record<string, number>): Record<string, number> => {
  if (typeof value === "number") out[prefix] = value
  else if (value !== null && typeof value === "object" && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out)
  return out
}

/** The numeric columns of an Arrow file's first row; apache-arrow is loaded only when needed. */
const arrowFirstRow = async (file: string): Promise<Metrics> => {
  const { tableFromIPC } = await import("apache-arrow")
  const table = tableFromIPC(fs.readFileSync(file))
  const row = table.numRows > 0 ? table.get(0)?.toJSON() ?? {} : {}
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(row)) if (typeof v === "number" || typeof v === "bigint") out[k] = Number(v)
  return out
}

/** The metrics in one output file. Throws when the file is not readable as its format. */
export const readMetricsFile = (file: string, format: OutputRecord["format"]): Promise<Metrics> =>
  format === "arrow" ? arrowFirstRow(file) : Promise.resolve(flattenNumbers(JSON.parse(fs.readFileSync(file, "utf8")), "", {}))

export interface MetricChange {
  readonly stage: string
  readonly output: string
  readonly metric: string
  /** null: absent in that run. */
  readonly a: number | null
  readonly b: number | null
  /** b - a, when both are present. */
  readonly change: number | null
}

export interface MetricDiff {
  readonly changes: ReadonlyArray<MetricChange>
  /** Metrics outputs whose object is no longer in the store (removed by gc), as "stage.output". */
  readonly unavailable: ReadonlyArray<string>
}

/** The declared metrics outputs of a run: "stage\u0000output" -> record. */
const metricsOutputs = (run: RunRecord): Map<string, OutputRecord> =>
  new Map(
    Object.entries(run.stages).flatMap(([stage, record]) =>
      Object.entries(record.outputs ?? {}).flatMap(([output, out]) => (out.metrics ? [[`${stage}\u0000${output}`, out] as const] : []))
    )
  )

/**
 * Every metric value that differs between runs `a` and `b` (or exists in one only), in stage,
 * output, metric order. `objectPath` locates a committed output by hash.
 */
export const diffMetrics = async (a: RunRecord, b: RunRecord, objectPath: (hash: OutputRecord["hash"]) => string): Promise<MetricDiff> => {
  const [left, right] = [metricsOutputs(a), metricsOutputs(b)]
  const unavailable: Array<string> = []
  /** The output's metrics, {} when the run lacks it, undefined when its object is gone. */
  const read = async (out: OutputRecord | undefined): Promise<Metrics | undefined> => {
    if (out === undefined) return {}
    const file = objectPath(out.hash)
    return fs.existsSync(file) ? readMetricsFile(file, out.format) : undefined
  }
  const changes: Array<MetricChange> = []
  for (const key of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const [x, y] = [left.get(key), right.get(key)]
    if (x !== undefined && y !== undefined && x.hash === y.hash) continue
    const [mx, my] = [await read(x), await read(y)]
    const [stage, output] = key.split("\u0000")
    if (mx === undefined || my === undefined) {
      unavailable.push(`${stage}.${output}`)
      continue
    }
    for (const metric of [...new Set([...Object.keys(mx), ...Object.keys(my)])].sort()) {
      const [va, vb] = [mx[metric] ?? null, my[metric] ?? null]
      if (va === vb || (Number.isNaN(va) && Number.isNaN(vb))) continue
      changes.push({ stage, output, metric, a: va, b: vb, change: va !== null && vb !== null ? vb - va : null })
    }
  }
  return { changes, unavailable }
}

/** `probe:contrastive top1 0.7915 -> 0.802 (+0.0105)`; the output's name is shown unless it is "metrics". */
export const formatMetricChange = (c: MetricChange): string => {
  const value = (v: number | null) => (v === null ? "(absent)" : String(Number(v.toPrecision(6))))
  const delta = c.change === null ? "" : ` (${c.change >= 0 ? "+" : ""}${Number(c.change.toPrecision(4))})`
  const name = c.output === "metrics" ? c.metric : `${c.output}.${c.metric}`
  return `${c.stage} ${name} ${value(c.a)} -> ${value(c.b)}${delta}`
}
