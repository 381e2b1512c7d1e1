import { tableFromArrays, tableToIPC } from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { diffMetrics, formatMetricChange, readMetricsFile } from "../../pipeline/metrics.ts"
import { asSha256Hex, type OutputRecord, type RunRecord } from "../../pipeline/records.ts"
import * as crypto from "node:crypto"
import { tempDir } from "../support/temp-dir.ts"

const digest = (name: string) => asSha256Hex(crypto.createHash("sha256").update(name).digest("hex"))

/** A store-like folder of objects named by their (fake) hash. */
const objects = (dir: string) => ({
  arrow: (name: string, row: Record<string, number>) => {
    const hash = digest(name)
    const columns = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Float64Array.of(v)]))
    fs.writeFileSync(path.join(dir, hash), tableToIPC(tableFromArrays(columns), "file"))
    return { hash, bytes: 0, rows: 1, format: "arrow", extension: "arrow", metrics: true } satisfies OutputRecord
  },
  json: (name: string, value: unknown) => {
    const hash = digest(name)
    fs.writeFileSync(path.join(dir, hash), JSON.stringify(value))
    return { hash, bytes: 0, format: "file", extension: "json", metrics: true } satisfies OutputRecord
  }
})

const run = (runId: string, stages: Record<string, Record<string, OutputRecord>>): RunRecord =>
  ({
    runId,
    stages: Object.fromEntries(Object.entries(stages).map(([name, outputs]) => [name, { outcome: "ran", reasons: [], outputs }]))
  }) as unknown as RunRecord

describe("metrics outputs", () => {
  it("reads an Arrow table's first row and a JSON object's numbers (nested names dotted)", async () => {
    const dir = tempDir("metrics-read")
    const o = objects(dir)
    o.arrow("a1", { top1: 0.5, top5: 0.9 })
    o.json("j1", { accuracy: 0.25, detail: { k: 20, name: "not a number" } })
    expect(await readMetricsFile(path.join(dir, digest("a1")), "arrow")).toEqual({ top1: 0.5, top5: 0.9 })
    expect(await readMetricsFile(path.join(dir, digest("j1")), "file")).toEqual({ accuracy: 0.25, "detail.k": 20 })
  })

  it("lists every value that moved, appeared or vanished between two runs, and nothing else", async () => {
    const dir = tempDir("metrics-diff")
    const o = objects(dir)
    const a = run("A", {
      "probe:contrastive": { metrics: o.arrow("c1", { top1: 0.7915, top5: 0.99, l2: 0.001 }), predictions: { ...o.arrow("p1", { id: 1 }), metrics: false } },
      "probe:autoencoder": { metrics: o.arrow("e1", { top1: 0.8 }) },
      "knn:contrastive": { summary: o.json("k1", { top1: 0.7, k: 20 }) },
      "probe:gone": { metrics: o.arrow("g1", { top1: 0.1 }) }
    })
    const b = run("B", {
      "probe:contrastive": { metrics: o.arrow("c2", { top1: 0.802, top5: 0.99, l2: 0.0001 }), predictions: { ...o.arrow("p2", { id: 2 }), metrics: false } },
      "probe:autoencoder": { metrics: o.arrow("e1", { top1: 0.8 }) },
      "knn:contrastive": { summary: o.json("k2", { top1: 0.7, k: 50 }) },
      "probe:new": { metrics: o.arrow("n1", { top1: 0.3 }) }
    })
    const diff = await diffMetrics(a, b, (hash) => path.join(dir, hash))
    expect(diff.unavailable).toEqual([])
    expect(diff.changes.map(formatMetricChange)).toEqual([
      "knn:contrastive summary.k 20 -> 50 (+30)",
      "probe:contrastive l2 0.001 -> 0.0001 (-0.0009)",
      "probe:contrastive top1 0.7915 -> 0.802 (+0.0105)",
      "probe:gone top1 0.1 -> (absent)",
      "probe:new top1 (absent) -> 0.3"
    ])
    expect(diff.changes[2]).toMatchObject({ stage: "probe:contrastive", output: "metrics", metric: "top1", a: 0.7915, b: 0.802 })
  })

  it("names a metrics output whose object is gone instead of failing", async () => {
    const dir = tempDir("metrics-gc")
    const o = objects(dir)
    const a = run("A", { "probe:x": { metrics: o.arrow("x1", { top1: 0.5 }) } })
    const b = run("B", { "probe:x": { metrics: o.arrow("x2", { top1: 0.6 }) } })
    fs.rmSync(path.join(dir, digest("x1")))
    const diff = await diffMetrics(a, b, (hash) => path.join(dir, hash))
    expect(diff.unavailable).toEqual(["probe:x.metrics"])
    expect(diff.changes).toEqual([])
  })
})
