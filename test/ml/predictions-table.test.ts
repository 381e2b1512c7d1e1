import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fs from "node:fs"
import * as path from "node:path"
import { tableFromIPC } from "apache-arrow"
import { describe, expect, it } from "vitest"
import { writeHistory } from "../../ml/tables/history.ts"
import { readPredictions, writePredictions } from "../../ml/tables/predictions.ts"
import { sharedTempDir } from "../support/temp-dir.ts"

const dir = sharedTempDir("seed-predictions-")

describe("predictions table", () => {
  it("round-trips id, label and predicted with kind \"predictions\" metadata", async () => {
    const file = path.join(dir, "predictions.arrow")
    const rows = { ids: Int32Array.of(40, 12, 7), labels: Uint8Array.of(3, 0, 9), predicted: Uint8Array.of(3, 1, 9) }
    await Effect.runPromise(writePredictions(file, rows, "infomax"))
    const table = tableFromIPC(fs.readFileSync(file))
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([["id", "Int32"], ["label", "Uint8"], ["predicted", "Uint8"]])
    expect(JSON.parse(table.schema.metadata.get("seed")!)).toEqual({ kind: "predictions", method: "infomax", rows: 3 })
    const back = await Effect.runPromise(readPredictions(file))
    expect(back).toEqual({ ...rows, method: "infomax" })
  })

  it("refuses columns of different lengths and tables of another kind", async () => {
    const file = path.join(dir, "uneven.arrow")
    const uneven = await Effect.runPromiseExit(writePredictions(file, { ids: Int32Array.of(1, 2), labels: Uint8Array.of(0), predicted: Uint8Array.of(0, 1) }, "m"))
    expect(Exit.isFailure(uneven)).toBe(true)
    expect(fs.existsSync(file)).toBe(false)
    const history = path.join(dir, "history.arrow")
    await Effect.runPromise(writeHistory(history, [], "m"))
    const wrongKind = await Effect.runPromiseExit(readPredictions(history))
    expect(Exit.isFailure(wrongKind)).toBe(true)
    expect(String(wrongKind)).toContain("ArtifactIoError")
    expect(String(wrongKind)).toContain("seed metadata kind: history")
  })
})
