/**
 * Selection discipline: the tuning bench reads only the pipeline's train split and reports val
 * figures only, in its text and its --json output.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { carveTrainVal, pipelineTrainSplit } from "../../bench/ssl-methods/train-pool.ts"
import { ingestDataset } from "../../data/ingest.ts"
import { readImageTable } from "../../data/image-table.ts"
import { splitImageTable } from "../../data/split-table.ts"
import { deepMerge } from "../../pipeline/config.ts"
import { SeedConfig } from "../../schemas/config.ts"
import { tsLoader } from "../pipeline/fixture-sources.ts"
import { baseConfig, profiles } from "../../stages/profiles.ts"
import { repoRoot } from "../pipeline/fixture-sources.ts"
import { tempDir } from "../support/temp-dir.ts"

const smoke = Schema.decodeUnknownSync(SeedConfig)(deepMerge(baseConfig, profiles.smoke))

const bench = (...args: Array<string>) =>
  promisify(execFile)(
    process.execPath,
    ["--import", tsLoader, "bench/main.ts", "ssl-methods", "--profile", "smoke", "--train", "60", "--val", "40", "--methods", "raw-pixels,random-encoder", ...args],
    { cwd: repoRoot, maxBuffer: 1 << 24 }
  )

/** Every key and string in a JSON value. */
const words = (value: unknown): Array<string> =>
  value !== null && typeof value === "object"
    ? Object.entries(value).flatMap(([k, v]) => [k, ...words(v)])
    : typeof value === "string" ? [value] : []

describe("bench ssl-methods", () => {
  it("draws its train and val images from the pipeline's train split only", async () => {
    const dir = tempDir("bench-pool")
    const images = path.join(dir, "images.arrow")
    await Effect.runPromise(ingestDataset(smoke.dataset, images))
    const out = { train: path.join(dir, "train"), val: path.join(dir, "val"), test: path.join(dir, "test") }
    await Effect.runPromise(splitImageTable(images, out, smoke.split))
    const pipelineTrain = new Set((await readImageTable(out.train)).ids)
    const pool = await pipelineTrainSplit(smoke)
    const { train, val } = carveTrainVal(pool, { train: 100, val: 50 }, 0)
    const ids = [...train.ids, ...val.ids]
    expect(new Set(ids).size).toBe(150)
    expect(ids.every((id) => pipelineTrain.has(id))).toBe(true)
    expect(() => carveTrainVal(pool, { train: pool.count, val: 1 }, 0)).toThrow(/exceed/)
  })

  it("refuses a --schedule it does not know, or --threads 0, with a usage error (exit 2) naming the flag", async () => {
    const failed = await bench("--schedule", "linear").then(() => undefined, (e: { code: number; stderr: string }) => e)
    expect(failed?.code).toBe(2)
    expect(failed?.stderr).toMatch(/--schedule expects one of constant, cosine, got "linear"/)
    expect(failed?.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    const noThreads = await bench("--threads", "0").then(() => undefined, (e: { code: number; stderr: string }) => e)
    expect(noThreads?.code).toBe(2)
    expect(noThreads?.stderr).toMatch(/--threads expects a whole number of at least 1, got "0"/)
  })

  it("computes on the profile's backend (as the pipeline would) unless --backend names another; refuses an unknown one", async () => {
    const backendOf = async (...args: Array<string>) => (JSON.parse((await bench("--json", ...args)).stdout) as { backend: { name: string } }).backend.name
    // smoke's compute.backend is auto: the default must resolve as auto does (native where oneDNN loads), not to a fixed wasm
    const [byDefault, auto, wasm] = await Promise.all([backendOf(), backendOf("--backend", "auto"), backendOf("--backend", "wasm")])
    expect(byDefault).toBe(auto)
    expect(wasm).toBe("wasm")
    const failed = await bench("--backend", "gpu").then(() => undefined, (e: { code: number; stderr: string }) => e)
    expect(failed?.code).toBe(2)
    expect(failed?.stderr).toMatch(/--backend expects one of auto, tensorflow, native, wasm, cpu, got "gpu"/)
  }, 120_000)

  it("reports val metrics and no test metric, in text and in --json", async () => {
    const [text, json] = await Promise.all([bench(), bench("--json")])
    expect(text.stdout).toMatch(/raw-pixels\s+val top1 \d\.\d{4}/)
    expect(text.stdout).not.toMatch(/test/i)
    const report = JSON.parse(json.stdout) as { rows: Array<Record<string, unknown>> }
    expect(report.rows.map((r) => r.method)).toEqual(["raw-pixels", "random-encoder"])
    for (const row of report.rows) expect(row.valTop1).toEqual(expect.any(Number))
    expect(words(report).filter((w) => /test|^top[15]$/i.test(w))).toEqual([])
  }, 120_000)
})
