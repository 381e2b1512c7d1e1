/**
 * End to end: the real SEED pipeline on the `smoke` profile (tiny synthetic data), through the
 * runner, with worker processes, then the incremental-rerun and reproducibility guarantees.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { auditRun, rerunStage } from "../../pipeline/audit.ts"
import { runPipeline } from "../../pipeline/executor.ts"
import type { RunRecord } from "../../pipeline/records.ts"
import { sessionLayer } from "../../pipeline/session.ts"
import { seedPipeline } from "../../stages/seed-pipeline.ts"
import { repoRoot } from "../pipeline/fixture-sources.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { probeOneDnn } from "../../ml/onednn/library.ts"

const methods = ["autoencoder", "contrastive", "infomax", "raw-pixels", "random-encoder", "supervised"]
/** `smoke` trains once, at seed 0; raw pixels do not depend on a seed. */
const run0 = (m: string) => (m === "raw-pixels" ? m : `${m}@s0`)
const allStages = ["ingest", "split", ...methods.flatMap((m) => [`pretrain:${run0(m)}`, `probe:${run0(m)}`, `knn:${run0(m)}`]), "report"].sort()

const run = (store: string, sets: ReadonlyArray<string> = [], targets: ReadonlyArray<string> = []) =>
  Effect.runPromise(
    runPipeline({ concurrency: 2, targets }).pipe(Effect.provide(sessionLayer(seedPipeline, { store, profile: "smoke", sets })))
  )

const withOutcome = (record: RunRecord, outcome: string) =>
  Object.entries(record.stages).filter(([, s]) => s.outcome === outcome).map(([name]) => name).sort()

describe("the SEED pipeline on the smoke profile", () => {
  const store = sharedTempDir("seed-e2e-")
  let first: RunRecord
  beforeAll(async () => {
    first = await run(store)
    // 21 stages, 17 of them in worker processes: measured 399 s on the shared 2-core machine at load 25
  }, 600_000)

  it("runs every stage and writes the report", () => {
    const failures = Object.entries(first.stages).filter(([, s]) => s.outcome !== "ran")
    expect(failures).toEqual([])
    expect(withOutcome(first, "ran")).toEqual(allStages)
    const markdown = fs.readFileSync(path.join(store, "latest", "report", "report.md"), "utf8")
    expect(markdown).toContain("| Method | Seeds | Linear Top-1 | 95% interval | kNN Top-1 | 95% interval | Linear Top-5 | kNN Top-5 |")
    expect(markdown).toContain("1 seed, no interval")
    expect(markdown).toContain("## Paired comparisons on the test split")
    for (const m of methods) expect(markdown).toContain(m)
    const html = fs.readFileSync(path.join(store, "latest", "report", "report.html"), "utf8")
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2 + 2 * methods.length)
  })

  it("reruns nothing when nothing changed, and the audit finds every artifact intact", async () => {
    const again = await run(store)
    expect(withOutcome(again, "cached")).toEqual(allStages)
    const audit = await Effect.runPromise(auditRun(again).pipe(Effect.provide(sessionLayer(seedPipeline, { store, profile: "smoke" }))))
    expect(audit.problems).toEqual([])
  }, 120_000)

  it("`pnpm pipeline run` (the bundle launcher) finds the same no-op, and its workers reproduce a stage", () => {
    const r = spawnSync(process.execPath, ["pipeline/ts-loader/launch.mjs", "stages/main.ts", "run", "--profile", "smoke", "--store", store], {
      cwd: repoRoot, encoding: "utf8"
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`: ${allStages.length} cached in `))
    // a heavy stage re-executed from the launcher runs in a worker started on the bundle: same bytes
    const rerun = spawnSync(process.execPath, ["pipeline/ts-loader/launch.mjs", "stages/main.ts", "audit", "--rerun", "pretrain:autoencoder@s0", "--json", "--profile", "smoke", "--store", store], {
      cwd: repoRoot, encoding: "utf8"
    })
    expect(rerun.status, rerun.stderr).toBe(0)
    expect(rerun.stdout).toMatch(/"reproducible":\s*true/)
  }, 120_000)

  // the three below touch different fingerprints (or a scratch store) and mostly run one stage process at a
  // time: concurrently, they keep both cores busy
  it.concurrent("changing one method's hyperparameter reruns only that method's pretrain, probe and kNN, then the report", async ({ expect }) => {
    const changed = await run(store, ["methods.1.temperature=0.2"])
    expect(changed.stages["pretrain:contrastive@s0"].reasons.join("\n")).toContain("temperature")
    expect(withOutcome(changed, "ran")).toEqual(["knn:contrastive@s0", "pretrain:contrastive@s0", "probe:contrastive@s0", "report"])
  }, 300_000)

  it.concurrent("re-executing a trained method in a scratch store reproduces its artifacts byte for byte", async ({ expect }) => {
    const check = await Effect.runPromise(rerunStage(first, "pretrain:infomax@s0").pipe(Effect.provide(sessionLayer(seedPipeline, { store, profile: "smoke" }))))
    const stable = check.outputs.filter((o) => !o.volatile)
    expect(stable.map((o) => o.output).sort()).toEqual(["encoder", "test", "train", "val"])
    for (const o of stable) expect(o.rerun, o.output).toBe(o.recorded)
    expect(check.reproducible).toBe(true)
  }, 300_000)

  it.concurrent("forcing the wasm backend keys a method's stages apart from native ones and reproduces them byte for byte", async ({ expect }) => {
    const sets = ["compute.backend=wasm"]
    const forced = await run(store, sets, ["probe:contrastive@s0"])
    // auto resolves to native where oneDNN loads: then the wasm results are other results, with their own cache entries
    const expected = probeOneDnn().available ? "ran" : "cached"
    expect(forced.stages["pretrain:contrastive@s0"].outcome).toBe(expected)
    expect(forced.stages["probe:contrastive@s0"].outcome).toBe(expected)
    if (expected === "ran") expect(forced.stages["pretrain:contrastive@s0"].reasons.join("\n")).toContain("compute.backend")
    const check = await Effect.runPromise(rerunStage(forced, "pretrain:contrastive@s0").pipe(Effect.provide(sessionLayer(seedPipeline, { store, profile: "smoke", sets }))))
    expect(check.reproducible).toBe(true)
  }, 300_000)
})
