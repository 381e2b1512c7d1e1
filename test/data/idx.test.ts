import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { idxSource, findIdxPairs } from "../../data/idx.ts"
import { ingestDataset } from "../../data/ingest.ts"
import { readImageTable } from "../../data/image-table.ts"
import { idxBytes, tempDir, testPixels, writeIdxPair } from "./fixtures.ts"

/** Runs ingest of an idx config into `dir/out.arrow`; returns the failure (if any) and whether a file appeared. */
const ingestIdx = async (dir: string, config: Record<string, unknown>) => {
  const out = path.join(dir, "out.arrow")
  const exit = await Effect.runPromise(Effect.either(ingestDataset({ source: "idx", seed: 0, ...config } as never, out)))
  const leftovers = fs.readdirSync(dir).filter((f) => f.startsWith("out.arrow"))
  return { error: exit._tag === "Left" ? exit.left : undefined, leftovers }
}

describe("idx", () => {
  it.each([false, true])("reads a train + t10k pair (gzip %s) in order, with batches smaller than the data", async (gzip) => {
    const dir = tempDir("idx")
    writeIdxPair(dir, "train", { count: 25, gzip })
    writeIdxPair(dir, "t10k", { count: 7, gzip })
    const source = idxSource(findIdxPairs(dir), { source: "t", batchRows: 4 })
    expect(source.shape).toEqual([4, 4, 1])
    expect(source.labels.length).toBe(32)
    const rows: Array<number> = []
    for await (const batch of source.batches()) for (let r = 0; r < batch.count; r++) rows.push(batch.pixels[r * 16])
    expect(rows).toEqual([...Array.from({ length: 25 }, (_, i) => (i * 7) & 255), ...Array.from({ length: 7 }, (_, i) => (i * 7) & 255)])
  })

  it("ingests into a table equal to the source pixels", async () => {
    const dir = tempDir("idx")
    writeIdxPair(dir, "train", { count: 30, gzip: true })
    const { error } = await ingestIdx(dir, { path: dir })
    expect(error).toBeUndefined()
    const set = await readImageTable(path.join(dir, "out.arrow"))
    expect(set.count).toBe(30)
    expect(Buffer.from(set.pixels).equals(Buffer.from(testPixels(30, 16)))).toBe(true)
    expect(Array.from(set.ids)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(set.classNames).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
  })

  it("keeps the first N of each class with limitPerClass", async () => {
    const dir = tempDir("idx")
    writeIdxPair(dir, "train", { count: 40 })
    await ingestIdx(dir, { path: dir, limitPerClass: 2 })
    const set = await readImageTable(path.join(dir, "out.arrow"))
    expect(set.count).toBe(20)
    // Labels cycle 0..9, so rows 0..19 are the first two of every class.
    expect(Array.from(set.pixels.filter((_, k) => k % 16 === 0))).toEqual(Array.from({ length: 20 }, (_, i) => (i * 7) & 255))
  })

  describe("bad input: a clear error naming the file, and no output file", () => {
    const cases: Array<[string, (dir: string) => Record<string, unknown>, string, RegExp]> = [
      ["wrong magic", (dir) => {
        const f = writeIdxPair(dir, "train", { count: 5 })
        fs.writeFileSync(f.images, idxBytes([5, 4, 4], testPixels(5, 16), 0x12340803))
        return { path: dir }
      }, "bad-magic", /train-images-idx3-ubyte: wrong IDX magic number 0x12340803/],
      ["a label file given as images", (dir) => {
        const f = writeIdxPair(dir, "train", { count: 5 })
        return { images: f.labels, labels: f.labels }
      }, "bad-magic", /labels-idx1-ubyte: wrong IDX magic number 0x00000801 for images/],
      ["dims larger than the file", (dir) => {
        const f = writeIdxPair(dir, "train", { count: 5 })
        fs.writeFileSync(f.images, idxBytes([5, 4, 4], testPixels(5, 16)).subarray(0, 16 + 5 * 16 - 3))
        return { path: dir }
      }, "truncated", /train-images-idx3-ubyte: truncated: dims \[5,4,4\] need 80 data bytes, the file has 77/],
      ["dims that do not match the file size", (dir) => {
        const f = writeIdxPair(dir, "train", { count: 5 })
        fs.writeFileSync(f.images, idxBytes([5, 3, 3], testPixels(5, 16)))
        return { path: dir }
      }, "dims-mismatch", /dims \[5,3,3\] need 45 data bytes but the file has 80/],
      ["a truncated header", (dir) => {
        const f = writeIdxPair(dir, "train", { count: 5 })
        fs.writeFileSync(f.images, idxBytes([5, 4, 4], new Uint8Array()).subarray(0, 10))
        return { path: dir }
      }, "truncated", /truncated inside the IDX header/],
      ["a truncated gzip stream", (dir) => {
        const f = writeIdxPair(dir, "train", { count: 500, gzip: true })
        const gz = fs.readFileSync(f.images)
        fs.writeFileSync(f.images, gz.subarray(0, Math.floor(gz.length / 2)))
        return { path: dir }
      }, "truncated", /train-images-idx3-ubyte.gz: truncated/],
      ["image and label counts that differ", (dir) => {
        writeIdxPair(dir, "train", { count: 5, labels: Uint8Array.of(0, 1, 2, 3) })
        return { path: dir }
      }, "count-mismatch", /holds 5 images but .*train-labels-idx1-ubyte holds 4 labels/],
      ["labels out of range", (dir) => {
        writeIdxPair(dir, "train", { count: 5, labels: Uint8Array.of(0, 1, 12, 3, 4) })
        return { path: dir, classNames: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] }
      }, "label-out-of-range", /train-labels-idx1-ubyte: label 12 at row 2 is out of range/]
    ]
    it.each(cases)("%s", async (_, setup, problem, message) => {
      const dir = tempDir("idx-bad")
      const { error, leftovers } = await ingestIdx(dir, setup(dir))
      expect(error?._tag).toBe("CorruptSource")
      expect((error as { problem: string }).problem).toBe(problem)
      expect(error?.message).toMatch(message)
      expect(leftovers).toEqual([])
    })

    it("a missing path", async () => {
      const dir = tempDir("idx-bad")
      const { error, leftovers } = await ingestIdx(dir, { path: path.join(dir, "nope") })
      expect(error?._tag).toBe("SourceNotFound")
      expect(error?.message).toContain(path.join(dir, "nope"))
      expect(leftovers).toEqual([])
    })

    it("an empty dataset", async () => {
      const dir = tempDir("idx-bad")
      writeIdxPair(dir, "train", { count: 0 })
      const { error, leftovers } = await ingestIdx(dir, { path: dir })
      expect(error?._tag).toBe("EmptyDataset")
      expect(error?.message).toContain(dir)
      expect(leftovers).toEqual([])
    })

    it("gzip data longer than its dims (found while streaming) removes the partial file", async () => {
      const dir = tempDir("idx-bad")
      const f = writeIdxPair(dir, "train", { count: 5, gzip: true })
      fs.writeFileSync(f.images, zlib.gzipSync(idxBytes([5, 4, 4], testPixels(6, 16))))
      const { error, leftovers } = await ingestIdx(dir, { path: dir })
      expect((error as { problem: string }).problem).toBe("dims-mismatch")
      expect(leftovers).toEqual([])
    })
  })
})
