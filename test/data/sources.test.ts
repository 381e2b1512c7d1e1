import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { cifar10Source } from "../../data/cifar10.ts"
import { fashionMnistIdxSource } from "../../data/fashion-mnist.ts"
import { imageFolderSource } from "../../data/image-folder.ts"
import type { ImageSource } from "../../data/image-source.ts"
import { ingestDataset } from "../../data/ingest.ts"
import { readImageTable } from "../../data/image-table.ts"
import { syntheticSource } from "../../data/synthetic.ts"
import { jpegBytes, pngBytes, tempDir, writeCifarBatch } from "./fixtures.ts"

/** All pixels of a source, concatenated. */
const allPixels = async (source: ImageSource): Promise<Uint8Array> => {
  const parts: Array<Uint8Array> = []
  for await (const b of source.batches()) parts.push(b.pixels.slice(0, b.count * source.shape.reduce((x, y) => x * y)))
  return Buffer.concat(parts)
}

const ingestError = async (config: Record<string, unknown>, dir: string) => {
  const result = await Effect.runPromise(Effect.either(ingestDataset({ seed: 0, ...config } as never, path.join(dir, "out.arrow"))))
  expect(fs.existsSync(path.join(dir, "out.arrow"))).toBe(false)
  return result._tag === "Left" ? result.left : undefined
}

describe("official Fashion-MNIST files", () => {
  it("a missing directory fails naming it and Debian's dataset-fashion-mnist package", () => {
    const missing = path.join(tempDir("fmnist"), "nowhere")
    expect(() => fashionMnistIdxSource(missing)).toThrow(expect.objectContaining({
      _tag: "SourceNotFound",
      message: expect.stringContaining(missing),
      hint: expect.stringContaining("dataset-fashion-mnist")
    }))
  })
})

describe("cifar10", () => {
  it("reads batches in order and converts CHW planes to HWC", async () => {
    const dir = tempDir("cifar")
    writeCifarBatch(path.join(dir, "data_batch_1.bin"), [3, 9])
    writeCifarBatch(path.join(dir, "test_batch.bin"), [0])
    const source = cifar10Source(dir, 2)
    expect(source.shape).toEqual([32, 32, 3])
    expect(Array.from(source.labels)).toEqual([3, 9, 0])
    expect(source.classNames[9]).toBe("truck")
    expect(source.officialTestFrom).toBe(2)
    fs.rmSync(path.join(dir, "test_batch.bin"))
    expect(cifar10Source(dir, 2).officialTestFrom).toBeUndefined()
    writeCifarBatch(path.join(dir, "test_batch.bin"), [0])
    const pixels = await allPixels(source)
    expect(Array.from(pixels.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 2])
    expect(Array.from(pixels.subarray(3072, 3075))).toEqual([1, 2, 3])
  })

  it("names the file that is not a whole number of records, or has a bad label", async () => {
    const dir = tempDir("cifar")
    writeCifarBatch(path.join(dir, "data_batch_1.bin"), [1, 2])
    fs.truncateSync(path.join(dir, "data_batch_1.bin"), 3073 + 100)
    expect(await ingestError({ source: "cifar10", path: dir }, dir)).toMatchObject({ problem: "truncated", message: expect.stringContaining("data_batch_1.bin") })
    writeCifarBatch(path.join(dir, "data_batch_1.bin"), [1, 10])
    expect(await ingestError({ source: "cifar10", path: dir }, dir)).toMatchObject({ problem: "label-out-of-range", message: expect.stringContaining("label 10 of record 1") })
    expect(await ingestError({ source: "cifar10", path: path.join(dir, "missing") }, dir)).toMatchObject({ _tag: "SourceNotFound" })
  })
})

describe("image-folder", () => {
  const folder = () => {
    const dir = tempDir("folder")
    fs.mkdirSync(path.join(dir, "cat"))
    fs.mkdirSync(path.join(dir, "dog"))
    fs.writeFileSync(path.join(dir, "cat", "a.png"), pngBytes(8, 6, [255, 0, 0, 255]))
    fs.writeFileSync(path.join(dir, "cat", "b.jpg"), jpegBytes(16, 16, [0, 0, 255]))
    fs.writeFileSync(path.join(dir, "dog", "c.png"), pngBytes(3, 3, [255, 255, 255, 255]))
    fs.writeFileSync(path.join(dir, "dog", "notes.txt"), "ignored")
    return dir
  }

  it("decodes PNG and JPEG, resizes, and converts to grayscale or RGB", async () => {
    const dir = folder()
    const gray = imageFolderSource(dir, { size: 4, color: "grayscale" })
    expect(gray.classNames).toEqual(["cat", "dog"])
    expect(Array.from(gray.labels)).toEqual([0, 0, 1])
    const g = await allPixels(gray)
    expect(g.length).toBe(3 * 16)
    expect(new Set(g.subarray(0, 16))).toEqual(new Set([76])) // red luma 0.299 * 255
    expect(Math.abs(g[16] - 29)).toBeLessThanOrEqual(2) // blue luma, JPEG-lossy
    expect(new Set(g.subarray(32))).toEqual(new Set([255]))
    const rgb = await allPixels(imageFolderSource(dir, { size: 5, color: "rgb" }))
    expect(rgb.length).toBe(3 * 75)
    expect(Array.from(rgb.subarray(0, 3))).toEqual([255, 0, 0])
  })

  it("names an undecodable image and writes nothing", async () => {
    const dir = folder()
    fs.writeFileSync(path.join(dir, "dog", "broken.png"), Buffer.concat([pngBytes(4, 4, [1, 2, 3, 255]).subarray(0, 30)]))
    const out = tempDir("folder-out")
    const error = await ingestError({ source: "image-folder", path: dir, imageSize: 4 }, out)
    expect(error).toMatchObject({ problem: "undecodable", message: expect.stringContaining(path.join(dir, "dog", "broken.png")) })
  })

  it("reports an empty dataset", async () => {
    const dir = tempDir("folder")
    fs.mkdirSync(path.join(dir, "empty-class"))
    expect(await ingestError({ source: "image-folder", path: dir }, tempDir("folder-out"))).toMatchObject({ _tag: "EmptyDataset" })
  })
})

describe("synthetic", () => {
  it("is deterministic per seed (on any thread count), cycles labels, and a smaller count is a prefix", async () => {
    const a = await allPixels(syntheticSource({ perClass: 250, size: 28, seed: 3, threads: 0 }))
    const b = await allPixels(syntheticSource({ perClass: 250, size: 28, seed: 3, threads: 2 }))
    const prefix = await allPixels(syntheticSource({ perClass: 5, size: 28, seed: 3 }))
    const other = await allPixels(syntheticSource({ perClass: 250, size: 28, seed: 4 }))
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    expect(Buffer.from(a.subarray(0, prefix.length)).equals(Buffer.from(prefix))).toBe(true)
    expect(Buffer.from(a).equals(Buffer.from(other))).toBe(false)
    expect(Array.from(syntheticSource({ perClass: 2, size: 8, seed: 0 }).labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it("is learnable but not trivial: nearest class mean beats chance and stays far from perfect", async () => {
    const perClass = 200
    const source = syntheticSource({ perClass, size: 28, seed: 1 })
    const pixels = await allPixels(source)
    const half = (perClass / 2) * 10
    const means = Array.from({ length: 10 }, () => new Float64Array(784))
    for (let i = 0; i < half; i++) for (let p = 0; p < 784; p++) means[i % 10][p] += pixels[i * 784 + p] / (half / 10)
    let correct = 0
    for (let i = half; i < perClass * 10; i++) {
      let best = 0
      let bestDistance = Infinity
      for (let c = 0; c < 10; c++) {
        let d = 0
        for (let p = 0; p < 784; p++) d += (pixels[i * 784 + p] - means[c][p]) ** 2
        if (d < bestDistance) [best, bestDistance] = [c, d]
      }
      if (best === i % 10) correct++
    }
    const accuracy = correct / half
    expect(accuracy).toBeGreaterThan(0.3)
    expect(accuracy).toBeLessThan(0.95)
  })

  it("ingests with limitPerClass as the first N per class", async () => {
    const dir = tempDir("syn")
    await Effect.runPromise(ingestDataset({ source: "synthetic", perClass: 50, size: 12, seed: 2, limitPerClass: 3 }, path.join(dir, "a.arrow")))
    const set = await readImageTable(path.join(dir, "a.arrow"))
    expect(set.count).toBe(30)
    const full = await allPixels(syntheticSource({ perClass: 50, size: 12, seed: 2 }))
    expect(Buffer.from(set.pixels).equals(Buffer.from(full.subarray(0, 30 * 144)))).toBe(true)
  })
})
