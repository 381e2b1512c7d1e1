/**
 * The dataset files are in ingest's key by content: the real SEED ingest and split stages on IDX
 * files in a temp folder, rewritten at the same path.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { runPipeline } from "../../pipeline/executor.ts"
import { sessionLayer } from "../../pipeline/session.ts"
import { StatCache } from "../../pipeline/stat-cache.ts"
import { seedPipeline } from "../../stages/seed-pipeline.ts"
import { writeIdxPair } from "../data/fixtures.ts"
import { sharedTempDir } from "../support/temp-dir.ts"

/** Runs the SEED pipeline (smoke profile) up to `targets` in-process: outcomes, reasons and stat-cache reads. */
const runRecordOf = (store: string, sets: ReadonlyArray<string>, targets: ReadonlyArray<string>) =>
  Effect.runPromise(Effect.gen(function* () {
    const record = yield* runPipeline({ targets, concurrency: 1 })
    const stages = Object.entries(record.stages)
    return {
      outcomes: Object.fromEntries(stages.map(([name, s]) => [name, s.outcome])),
      reasons: Object.fromEntries(stages.map(([name, s]) => [name, s.reasons])),
      statReads: (yield* StatCache).stats.reads
    }
  }).pipe(Effect.provide(sessionLayer(seedPipeline, { store, profile: "smoke", sets }))))

const dir = sharedTempDir("seed-external-")
const data = path.join(dir, "data")
fs.mkdirSync(data)
const store = path.join(dir, "store")
const dataset = `dataset=${JSON.stringify({ source: "idx", path: data })}`
const run = () => runRecordOf(store, [dataset], ["split"])

describe("files read from outside the store", () => {
  const files = writeIdxPair(data, "train", { count: 100 })

  it("a no-op rerun costs one stat per dataset file, no read", async () => {
    const first = await run()
    expect(first.outcomes).toEqual({ ingest: "ran", split: "ran" })
    const again = await run()
    expect(again.outcomes).toEqual({ ingest: "cached", split: "cached" })
    expect(again.statReads).toBe(0)
  }, 120_000)

  it("the same bytes rewritten at the same path rerun nothing", async () => {
    const bytes = fs.readFileSync(files.images)
    fs.rmSync(files.images)
    fs.writeFileSync(files.images, bytes) // a new inode and mtime: the stat cache must re-hash it
    const again = await run()
    expect(again.outcomes).toEqual({ ingest: "cached", split: "cached" })
    expect(again.statReads).toBe(1)
  }, 120_000)

  it("other bytes at the same path rerun ingest (and split), naming the file", async () => {
    writeIdxPair(data, "train", { count: 100, labels: Uint8Array.from({ length: 100 }, (_, i) => (i * 3) % 10) })
    const changed = await run()
    expect(changed.outcomes).toEqual({ ingest: "ran", split: "ran" })
    expect(changed.reasons.ingest).toEqual([expect.stringMatching(new RegExp(`^external file ${files.labels.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} changed: [0-9a-f]{12} -> [0-9a-f]{12}$`))])
  }, 120_000)

  it("a dataset folder that cannot be listed makes ingest stale, and its run fails with the reader's message", async () => {
    const missing = `dataset=${JSON.stringify({ source: "idx", path: path.join(dir, "nowhere") })}`
    const failed = await runRecordOf(store, [missing], ["split"])
    expect(failed.outcomes).toEqual({ ingest: "failed", split: "skipped" })
    expect(failed.reasons.ingest.join("\n")).toContain("nowhere: no such directory")
  }, 120_000)
})
