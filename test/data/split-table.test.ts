import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ingestDataset } from "../../data/ingest.ts"
import { readImageTable } from "../../data/image-table.ts"
import { splitImageTable } from "../../data/split-table.ts"
import { planSplit, splitNames } from "../../data/stratified-split.ts"
import { tempDir } from "./fixtures.ts"

const ratios = { train: 0.6, val: 0.25, test: 0.15 }

/** Ingests a small synthetic set and splits it with `batchRows` rows per written batch. */
const ingestAndSplit = async (dir: string, batchRows: number, limitPerClass?: number) => {
  const input = path.join(dir, "images.arrow")
  const config = { source: "synthetic", perClass: 41, size: 6, seed: 8, ...(limitPerClass ? { limitPerClass } : {}) } as const
  await Effect.runPromise(ingestDataset(config, input, { batchRows }))
  const outputs = { train: path.join(dir, "train.arrow"), val: path.join(dir, "val.arrow"), test: path.join(dir, "test.arrow") }
  await Effect.runPromise(splitImageTable(input, outputs, { ...ratios, seed: 5 }, { batchRows }))
  return { input, outputs }
}

describe("split table", () => {
  it("routes every row to the split its plan names, in input order, across batch boundaries", async () => {
    const { input, outputs } = await ingestAndSplit(tempDir("split-runs"), 7)
    const whole = await readImageTable(input)
    const rowBytes = 36
    // Reference routing, one row at a time.
    const plan = planSplit([41, 41, 41, 41, 41, 41, 41, 41, 41, 41], ratios, 5)
    const rank = new Array<number>(10).fill(0)
    const expected = splitNames.map(() => [] as Array<number>)
    for (let r = 0; r < whole.count; r++) expected[plan.assignment[whole.labels[r]][rank[whole.labels[r]]++]].push(r)
    for (const [s, name] of splitNames.entries()) {
      const set = await readImageTable(outputs[name])
      expect(Array.from(set.ids)).toEqual(expected[s].map((r) => whole.ids[r]))
      expect(Array.from(set.labels)).toEqual(expected[s].map((r) => whole.labels[r]))
      const pixels = Buffer.concat(expected[s].map((r) => whole.pixels.subarray(r * rowBytes, (r + 1) * rowBytes)))
      expect(Buffer.from(set.pixels).equals(pixels)).toBe(true)
    }
  })

  it("writes the same rows whatever the batch size, and limitPerClass keeps the first rows of each class", async () => {
    const small = await ingestAndSplit(tempDir("split-small"), 3, 30)
    const large = await ingestAndSplit(tempDir("split-large"), 1000, 30)
    for (const file of [small.input, ...Object.values(small.outputs)]) {
      const a = await readImageTable(file)
      const b = await readImageTable(file.replace(path.dirname(small.input), path.dirname(large.input)))
      expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true)
      expect(Array.from(a.ids)).toEqual(Array.from(b.ids))
    }
    const limited = await readImageTable(small.input)
    expect(limited.count).toBe(300)
    expect(Array.from(limited.ids)).toEqual(Array.from({ length: 300 }, (_, i) => i))
    const full = await readImageTable((await ingestAndSplit(tempDir("split-full"), 1000)).input)
    // Synthetic labels cycle, so the first 30 of each class are the first 300 rows.
    expect(Buffer.from(limited.pixels).equals(Buffer.from(full.pixels.subarray(0, 300 * 36)))).toBe(true)
    expect(fs.existsSync(small.outputs.train)).toBe(true)
  })
})
