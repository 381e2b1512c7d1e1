import { describe, expect, it } from "@effect/vitest"
import { tableFromIPC } from "apache-arrow"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { ImageTableMetadata } from "../../data/image-metadata.ts"
import { makeImageTableWriter, readImageMetadata, readImageTable } from "../../data/image-table.ts"
import { tempDir, testPixels } from "./fixtures.ts"

const metadata = (rows: number, classCounts: Array<number>): ImageTableMetadata => ({
  kind: "images",
  source: "test",
  shape: [3, 2, 2],
  classNames: ["a", "b"],
  rows,
  classCounts,
  sourceFiles: [{ path: "x", sha256: "00", bytes: 1 }]
})

/** Writes `batches` batches of 4 rows (labels alternate 0/1). */
const write = (file: string, meta: ImageTableMetadata, batches: number, failAfter?: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const writer = yield* makeImageTableWriter(file, meta)
      const pixels = testPixels(4 * batches, 12)
      for (let b = 0; b < batches; b++) {
        if (b === failAfter) return yield* Effect.fail("stop" as const)
        yield* writer.append({
          count: 4,
          ids: Int32Array.from({ length: 4 }, (_, i) => 4 * b + i),
          labels: Uint8Array.from({ length: 4 }, (_, i) => i % 2),
          pixels: pixels.slice(b * 48, (b + 1) * 48)
        })
      }
      yield* writer.commit
    })
  )

describe("image table", () => {
  it("round-trips batches into one contiguous ImageSet and keeps the metadata", async () => {
    const file = path.join(tempDir("table"), "t.arrow")
    await Effect.runPromise(write(file, metadata(12, [6, 6]), 3))
    const set = await readImageTable(file)
    expect(set.count).toBe(12)
    expect(set.shape).toEqual([3, 2, 2])
    expect(Array.from(set.ids)).toEqual(Array.from({ length: 12 }, (_, i) => i))
    expect(Buffer.from(set.pixels).equals(Buffer.from(testPixels(12, 12)))).toBe(true)
    expect(await readImageMetadata(file)).toEqual(metadata(12, [6, 6]))
    // Plain apache-arrow sees an IPC file with three batches and the declared column types.
    const table = tableFromIPC(fs.readFileSync(file))
    expect(table.batches.length).toBe(3)
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(["id:Int32", "label:Uint8", "pixels:FixedSizeBinary[12]"])
  })

  it("refuses to commit when rows or class counts differ from the metadata, leaving no file", async () => {
    const dir = tempDir("table")
    const file = path.join(dir, "t.arrow")
    const exit = await Effect.runPromise(Effect.either(write(file, metadata(12, [7, 5]), 3)))
    expect(exit._tag).toBe("Left")
    expect(String((exit as { left: { message: string } }).left.message)).toMatch(/class counts 6,6.*declares 12 \(7,5\)/)
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it("removes the partial file when the writer's scope fails", async () => {
    const dir = tempDir("table")
    await Effect.runPromise(Effect.either(write(path.join(dir, "t.arrow"), metadata(12, [6, 6]), 3, 2)))
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it("writes a valid empty table (schema only)", async () => {
    const file = path.join(tempDir("table"), "t.arrow")
    await Effect.runPromise(write(file, metadata(0, [0, 0]), 0))
    expect((await readImageTable(file)).count).toBe(0)
  })

  it("rejects a file that is not an image table, naming it", async () => {
    const file = path.join(tempDir("table"), "junk.arrow")
    fs.writeFileSync(file, "not arrow at all")
    await expect(readImageTable(file)).rejects.toMatchObject({ _tag: "ImageTableError", message: expect.stringContaining(file) })
  })
})
