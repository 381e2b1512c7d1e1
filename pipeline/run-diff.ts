/** Differences between two run records: config, and per stage params, code files and artifact hashes. */
import { jsonLeaves, shortHash } from "./format.ts"
import type { RunRecord } from "./records.ts"

export interface StageDiff {
  readonly stage: string
  readonly changes: ReadonlyArray<string>
}

export interface RunDiff {
  readonly a: string
  readonly b: string
  readonly config: ReadonlyArray<string>
  readonly stages: ReadonlyArray<StageDiff>
}

const compare = (label: string, a: Record<string, string>, b: Record<string, string>, fmt = (v: string) => v): Array<string> =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) =>
    a[k] === b[k] ? [] : [`${label} ${k}: ${a[k] === undefined ? "(absent)" : fmt(a[k])} -> ${b[k] === undefined ? "(absent)" : fmt(b[k])}`])

/** Compares run `a` with run `b` (b is the newer one by convention). */
export const diffRuns = (a: RunRecord, b: RunRecord): RunDiff => {
  const names = [...new Set([...Object.keys(a.stages), ...Object.keys(b.stages)])]
  const stages = names.flatMap((stage): Array<StageDiff> => {
    const x = a.stages[stage], y = b.stages[stage]
    if (!x || !y) return [{ stage, changes: [x ? "only in the first run" : "only in the second run"] }]
    const outputs = (r: typeof x) => Object.fromEntries(Object.entries(r.outputs ?? {}).map(([k, o]) => [k, o.hash]))
    const changes = [
      ...compare("param", jsonLeaves(x.params ?? {}), jsonLeaves(y.params ?? {})),
      ...compare("source", { ...(x.code ?? {}) }, { ...(y.code ?? {}) }, shortHash),
      ...compare("artifact", outputs(x), outputs(y), shortHash)
    ]
    return changes.length ? [{ stage, changes }] : []
  })
  return { a: a.runId, b: b.runId, config: compare("config", jsonLeaves(a.config), jsonLeaves(b.config)), stages }
}
