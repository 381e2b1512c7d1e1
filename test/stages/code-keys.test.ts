/**
 * The SEED stages' code keys on a copy of this project's sources: what an edit to the probe's
 * solver (ml/lbfgs.ts) or to one method's loss reruns. The copy is edited, never the checkout.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import type { CodeFingerprint } from "../../pipeline/code-hash.ts"
import { explainChange, RUNNER_FORMAT, type FingerprintComponents } from "../../pipeline/fingerprint.ts"
import type { PipelineDefinition } from "../../pipeline/stage.ts"
import { openStatCache } from "../../pipeline/stat-cache.ts"
import { repoRoot } from "../pipeline/fixture-sources.ts"
import { sharedTempDir } from "../support/temp-dir.ts"

const copy = sharedTempDir("seed-code-keys-")
for (const folder of ["pipeline", "stages", "report", "ml", "data", "schemas"]) fs.cpSync(path.join(repoRoot, folder), path.join(copy, folder), { recursive: true })
for (const file of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(repoRoot, file), path.join(copy, file))
fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(copy, "node_modules"))

const edit = (rel: string, change: (text: string) => string) => {
  const file = path.join(copy, rel)
  const before = fs.readFileSync(file, "utf8")
  const after = change(before)
  expect(after).not.toBe(before) // the edit must apply, or the test proves nothing
  fs.writeFileSync(file, after)
}

describe("code keys of the SEED stages", () => {
  /** Stage name -> module, for every stage of the smoke profile's DAG (from the copy's own definition). */
  let modules: Record<string, string>
  /** The copy's own code hashing, as its CLI would run it (its loader folder is its own). */
  let codeFingerprint: typeof import("../../pipeline/code-hash.ts").codeFingerprint
  const keys = async (): Promise<Record<string, CodeFingerprint>> => {
    const cache = Effect.runSync(openStatCache(path.join(copy, "stat.json")))
    const entries = await Effect.runPromise(Effect.forEach(Object.entries(modules), ([stage, module]) =>
      Effect.map(codeFingerprint(module, cache), (code) => [stage, code] as const)))
    await Effect.runPromise(cache.save)
    return Object.fromEntries(entries)
  }
  const changed = (before: Record<string, CodeFingerprint>, after: Record<string, CodeFingerprint>) =>
    Object.keys(before).filter((stage) => JSON.stringify(before[stage]) !== JSON.stringify(after[stage])).sort()

  beforeAll(async () => {
    ({ codeFingerprint } = await import(/* @vite-ignore */ pathToFileURL(path.join(copy, "pipeline/code-hash.ts")).href))
    const { seedPipeline } = await import(/* @vite-ignore */ pathToFileURL(path.join(copy, "stages/seed-pipeline.ts")).href) as
      { seedPipeline: PipelineDefinition<any> }
    const { profiles, baseConfig } = await import(/* @vite-ignore */ pathToFileURL(path.join(copy, "stages/profiles.ts")).href)
    const config = { ...baseConfig, ...(profiles.smoke as object) }
    modules = Object.fromEntries(seedPipeline.stages(config).map((s) => [s.name, s.module]))
    expect(Object.keys(modules).some((s) => s.startsWith("pretrain:contrastive"))).toBe(true)
  }, 60_000)

  it("no pretrain stage's code holds the probe's solver; the probe's holds no training code, gradient kernel or augmentation", async () => {
    const all = await keys()
    for (const [stage, code] of Object.entries(all)) {
      if (stage.startsWith("pretrain:")) expect(Object.keys(code.files)).not.toContain("ml/lbfgs.ts")
      if (stage.startsWith("probe:")) {
        expect(Object.keys(code.files)).toContain("ml/lbfgs.ts")
        expect(Object.keys(code.files).filter((f) => /train-loop|augment|methods\/|backprop|grad|kernels\/register/.test(f))).toEqual([])
      }
    }
    // the synthetic source's worker thread entry, loaded by URL, is part of ingest's code
    expect(Object.keys(all.ingest.files)).toContain("data/synthetic-worker.ts")
    // the loader that starts it is not (what it runs is): its files and folders are no stage's code
    expect(Object.keys(all.ingest.files).filter((f) => f.startsWith("pipeline/ts-loader/") && !f.endsWith("worker-thread.ts"))).toEqual([])
  }, 60_000)

  it("a comment or a type-only edit of the solver reruns nothing", async () => {
    const before = await keys()
    edit("ml/lbfgs.ts", (t) => t
      .replace("const dot = (a: Float64Array, b: Float64Array): number => {", "// the inner product\nconst dot = (a: Float64Array,\n  b: Float64Array): number => {")
      .replace("readonly iterations: number", "readonly iterations: number\n  /** unused: a type-only change */\n  readonly note?: string"))
    expect(changed(before, await keys())).toEqual([])
  }, 60_000)

  it("a real change to the solver reruns exactly the probes, and says which file changed", async () => {
    const before = await keys()
    edit("ml/lbfgs.ts", (t) => t.replace("tolerance = 1e-6", "tolerance = 1e-7"))
    const after = await keys()
    // exactly the stages that run the solver: every probe (and any other stage whose code reaches it), no pretrain
    const runsSolver = Object.keys(modules).filter((s) => "ml/lbfgs.ts" in after[s].files).sort()
    expect(changed(before, after)).toEqual(runsSolver)
    expect(runsSolver.filter((s) => s.startsWith("pretrain:"))).toEqual([])
    expect(Object.keys(modules).filter((s) => s.startsWith("probe:")).every((s) => runsSolver.includes(s))).toBe(true)
    const components = (code: CodeFingerprint): FingerprintComponents =>
      ({ format: RUNNER_FORMAT, stage: "probe:contrastive", params: {}, inputs: {}, code: code.files, packages: code.packages })
    const probe = Object.keys(modules).find((s) => s.startsWith("probe:contrastive"))!
    const reasons = explainChange(components(before[probe]), components(after[probe]))
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatch(/^source file ml\/lbfgs\.ts changed: [0-9a-f]{12} -> [0-9a-f]{12}$/)
  }, 60_000)

  it("each trained kind's pretrain code holds its own loss and no other kind's; the baselines' hold none", async () => {
    const all = await keys()
    const methodFiles = (stage: string) => Object.keys(all[stage].files).filter((f) => f.startsWith("ml/methods/") && f !== "ml/methods/method.ts")
    const pretrains = Object.keys(all).filter((s) => s.startsWith("pretrain:"))
    for (const kind of ["autoencoder", "contrastive", "infomax", "supervised"]) {
      const stage = pretrains.find((s) => s.startsWith(`pretrain:${kind}@`))
      expect(stage, `the smoke profile has a ${kind} pretrain`).toBeDefined()
      expect(methodFiles(stage!)).toEqual([`ml/methods/${kind}.ts`])
    }
    for (const baseline of ["raw-pixels", "random-encoder"]) {
      const stage = pretrains.find((s) => s.startsWith(`pretrain:${baseline}`))
      expect(stage).toBeDefined()
      expect(methodFiles(stage!)).toEqual([])
    }
  }, 60_000)

  it("a real change to one method's loss reruns exactly that kind's pretrains", async () => {
    const before = await keys()
    edit("ml/methods/infomax.ts", (t) => t.replace("tf.mul(tf.eye(b), 1e4)", "tf.mul(tf.eye(b), 1e5)"))
    // downstream probes and kNN rerun only if the new pretrain's outputs differ: that is the inputs' part of the key
    expect(changed(before, await keys())).toEqual(Object.keys(modules).filter((s) => s.startsWith("pretrain:infomax@")).sort())
  }, 60_000)
})
