import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ingestDataset } from "../../data/ingest.ts"
import { readImageMetadata, readImageTable } from "../../data/image-table.ts"
import { splitStage } from "../../stages/split.ts"
import { runStageDirectly } from "../support/run-stage.ts"
import { seedConfig } from "../support/seed-config.ts"
import { tempDir, writeIdxPair } from "../data/fixtures.ts"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { deepMerge } from "../../pipeline/config.ts"
import { SeedConfig } from "../../schemas/config.ts"
import { baseConfig, profiles } from "../../stages/profiles.ts"

/** An ingested synthetic table with unequal classes (limitPerClass cuts nothing; perClass differs by seed only). */
const ingested = async () => {
  const dir = tempDir("split-in")
  const file = path.join(dir, "images.arrow")
  await Effect.runPromise(ingestDataset({ source: "synthetic", perClass: 97, size: 10, seed: 1 }, file))
  return file
}

const run = (params: unknown, input: string, outDir: string) =>
  Effect.runPromise(Effect.either(runStageDirectly(splitStage, params, { images: input }, outDir)))

const files = (dir: string) => fs.readdirSync(dir).filter((f) => !f.startsWith(".scratch")).sort()

describe("split stage", () => {
  it("declares its input and three outputs", () => {
    expect(splitStage.inputs).toEqual({ images: { stage: "ingest", output: "images" } })
    expect(Object.keys(splitStage.outputs)).toEqual(["train", "val", "test"])
    expect(splitStage.selectParams(seedConfig({ split: { train: 0.5, val: 0.25, test: 0.25 } }))).toEqual({ train: 0.5, val: 0.25, test: 0.25, seed: 0 })
  })

  it("splits every class in proportion, partitions the ids, and records per-split class counts", async () => {
    const input = await ingested()
    const out = tempDir("split-out")
    expect((await run({ seed: 3 }, input, out))._tag).toBe("Right")
    expect(files(out)).toEqual(["test", "train", "val"])
    const sets = await Promise.all(["train", "val", "test"].map((s) => readImageTable(path.join(out, s))))
    expect(sets.map((s) => s.count)).toEqual([780, 90, 100])
    const ids = sets.flatMap((s) => Array.from(s.ids)).sort((a, b) => a - b)
    expect(ids).toEqual(Array.from({ length: 970 }, (_, i) => i))
    const whole = await readImageTable(input)
    for (const s of sets)
      for (let r = 0; r < s.count; r++) {
        const id = s.ids[r]
        expect(s.labels[r]).toBe(whole.labels[id])
        if (r % 50 === 0) expect(Buffer.from(s.pixels.subarray(r * 100, (r + 1) * 100)).equals(Buffer.from(whole.pixels.subarray(id * 100, (id + 1) * 100)))).toBe(true)
      }
    const train = await readImageMetadata(path.join(out, "train"))
    expect(train.classCounts).toEqual(new Array(10).fill(78))
    expect(train.split).toEqual({ name: "train", ratio: 0.8, seed: 3, inputRows: 970 })
    expect((await readImageMetadata(path.join(out, "val"))).classCounts).toEqual(new Array(10).fill(9))
    expect((await readImageMetadata(path.join(out, "test"))).classCounts).toEqual(new Array(10).fill(10))
  })

  it("is byte-identical for the same seed, different for another, and keeps train when only val/test shift", async () => {
    const input = await ingested()
    const [a, b, c, d] = [tempDir("s"), tempDir("s"), tempDir("s"), tempDir("s")]
    await run({ seed: 1 }, input, a)
    await run({ seed: 1 }, input, b)
    await run({ seed: 2 }, input, c)
    await run({ seed: 1, val: 0.05, test: 0.15 }, input, d)
    const same = (x: string, y: string, name: string) => fs.readFileSync(path.join(x, name)).equals(fs.readFileSync(path.join(y, name)))
    for (const name of ["train", "val", "test"]) expect(same(a, b, name)).toBe(true)
    expect(same(a, c, "train")).toBe(false)
    expect(same(a, d, "train")).toBe(true)
    expect(same(a, d, "test")).toBe(false)
  })

  it.each([
    [{ train: 0.9, val: -0.1, test: 0.2 }, /split ratios must be >= 0: val = -0.1/],
    [{ train: 0.8, val: 0.1, test: 0.2 }, /split ratios must sum to 1: train 0.8 \+ val 0.1 \+ test 0.2/]
  ])("rejects ratios %j with a clear error and writes nothing", async (ratios, message) => {
    const input = await ingested()
    const out = tempDir("split-bad")
    const result = await run({ ...ratios, seed: 0 }, input, out)
    expect(result._tag).toBe("Left")
    expect(String((result as { left: { message: string } }).left.message)).toMatch(message)
    expect(files(out)).toEqual([])
  })

  it("names an input that is not an image table, and writes nothing", async () => {
    const dir = tempDir("split-bad")
    const junk = path.join(dir, "junk.arrow")
    fs.writeFileSync(junk, "garbage")
    const out = tempDir("split-bad-out")
    const result = await run({ seed: 0 }, junk, out)
    expect((result as { left: { message: string } }).left.message).toContain(junk)
    expect(files(out)).toEqual([])
  })
})

describe("split stage: official test sets and duplicates", () => {
  /**
   * IDX train (200) + t10k (50) files. Fixture image i's pixels depend on i alone, so t10k image i
   * is an exact copy of train image i: 50 train images duplicate a test image.
   */
  const officialInput = async (limitPerClass?: number) => {
    const dir = tempDir("split-official-src")
    writeIdxPair(dir, "train", { count: 200 })
    writeIdxPair(dir, "t10k", { count: 50 })
    const file = path.join(tempDir("split-official-in"), "images.arrow")
    await Effect.runPromise(ingestDataset({ source: "idx", path: dir, seed: 0, ...(limitPerClass ? { limitPerClass } : {}) }, file))
    return file
  }
  const sha = (set: { pixels: Uint8Array; count: number }, r: number) => Buffer.from(set.pixels.subarray(r * 16, (r + 1) * 16)).toString("hex")

  it("ingest records the official test rows; limitPerClass applies to the train and test parts separately", async () => {
    expect((await readImageMetadata(await officialInput())).officialTest).toEqual({ firstId: 200, rows: 50 })
    const limited = await readImageMetadata(await officialInput(3))
    expect(limited).toMatchObject({ rows: 60, officialTest: { firstId: 30, rows: 30 } })
  })

  it("by default keeps the official test set as test, carves a stratified val out of the official train set, and drops train copies of test images", async () => {
    const input = await officialInput()
    const out = tempDir("split-official-out")
    expect((await run({ seed: 3 }, input, out))._tag).toBe("Right")
    const [train, val, test] = await Promise.all(["train", "val", "test"].map((s) => readImageTable(path.join(out, s))))
    expect(Array.from(test.ids)).toEqual(Array.from({ length: 50 }, (_, i) => 200 + i))
    expect(val.count).toBe(20)
    expect((await readImageMetadata(path.join(out, "val"))).classCounts).toEqual(new Array(10).fill(2))
    expect([...val.ids].every((id) => id < 200)).toBe(true)
    // every official-train row is in val, or in train, or dropped as a copy of a test image
    const trainIds = new Set(train.ids)
    const valIds = new Set(val.ids)
    const dropped = Array.from({ length: 200 }, (_, id) => id).filter((id) => !trainIds.has(id) && !valIds.has(id))
    expect(dropped.length).toBe(50 - [...val.ids].filter((id) => id < 50).length)
    expect(dropped.every((id) => id < 50)).toBe(true)
    const testImages = new Set(Array.from({ length: test.count }, (_, r) => sha(test, r)))
    expect(Array.from({ length: train.count }, (_, r) => sha(train, r)).some((p) => testImages.has(p))).toBe(false)
    const meta = await readImageMetadata(path.join(out, "train"))
    expect(meta.split).toMatchObject({ name: "train", mode: "official", duplicatesDropped: dropped.length })
    expect(meta.officialTest).toBeUndefined()
  })

  it("mode random pools official train and test, and still drops train copies of val/test images", async () => {
    const input = await officialInput()
    const out = tempDir("split-random-out")
    expect((await run({ seed: 3, mode: "random" }, input, out))._tag).toBe("Right")
    const [train, val, test] = await Promise.all(["train", "val", "test"].map((s) => readImageTable(path.join(out, s))))
    expect([...test.ids].some((id) => id < 200)).toBe(true)
    const heldOut = new Set([...Array.from({ length: val.count }, (_, r) => sha(val, r)), ...Array.from({ length: test.count }, (_, r) => sha(test, r))])
    expect(Array.from({ length: train.count }, (_, r) => sha(train, r)).some((p) => heldOut.has(p))).toBe(false)
    const meta = await readImageMetadata(path.join(out, "train"))
    expect(meta.split?.mode).toBeUndefined()
    expect(meta.split?.duplicatesDropped).toBe(250 - train.count - val.count - test.count)
    expect(meta.split?.duplicatesDropped).toBeGreaterThan(0)
  })

  it("mode official on a source without an official test set fails, naming the source and the fix; the config says so up front", async () => {
    const out = tempDir("split-official-bad")
    const result = await run({ seed: 0, mode: "official" }, await ingested(), out)
    expect(result._tag).toBe("Left")
    expect((result as { left: { message: string; hint: string } }).left).toMatchObject({
      _tag: "InvalidSplit",
      message: expect.stringMatching(/synthetic.*has no official test set/),
      hint: expect.stringContaining("split.mode to random")
    })
    expect(files(out)).toEqual([])
    const decoded = Schema.decodeUnknownEither(SeedConfig)(
      deepMerge(baseConfig, deepMerge(profiles.smoke, { split: { mode: "official" } }))
    )
    expect(Either.isLeft(decoded) && decoded.left.message).toMatch(/split.mode official: dataset source synthetic has no official test set/)
    expect(Either.isRight(Schema.decodeUnknownEither(SeedConfig)(deepMerge(baseConfig, profiles.full)))).toBe(true)
  })
})
