/** The runner's check of a declared Arrow output: its layout (footer and batch headers), not its bodies. */
import { Int32, RecordBatch, Schema as ArrowSchema, Field, Struct, Table, makeData, tableToIPC } from "apache-arrow"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { checkOutput } from "../../pipeline/outputs.ts"
import { makeTempDir } from "../support/temp-dir.ts"

const dir = makeTempDir("outputs-")
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const schema = new ArrowSchema([new Field("a", new Int32()), new Field("b", new Int32())])
const batch = (rows: number) => {
  const column = () => makeData({ type: new Int32(), length: rows, data: Int32Array.from({ length: rows }, (_, i) => i) })
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [column(), column()] }))
}
const write = (name: string, bytes: Uint8Array) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, bytes)
  return file
}
const check = (file: string, fields = ["a", "b"]) => Effect.runPromiseExit(checkOutput("s", "out", { description: "t", fields }, file))
const message = (exit: Exit.Exit<unknown, { message: string }>) => (Exit.isFailure(exit) ? JSON.stringify(exit.cause) : "")

describe("checkOutput (Arrow)", () => {
  const twoBatches = write("two.arrow", tableToIPC(new Table([batch(3), batch(4)]), "file"))

  it("counts the rows of every record batch from their headers", async () => {
    const exit = await check(twoBatches)
    expect(exit).toEqual(Exit.succeed({ bytes: fs.statSync(twoBatches).size, rows: 7 }))
  })

  it("rejects other fields, an Arrow stream and a truncated file", async () => {
    expect(message(await check(twoBatches, ["a", "c"]))).toContain("its fields are [a, b], the stage declares [a, c]")
    const stream = write("stream.arrow", tableToIPC(new Table([batch(2)]), "stream"))
    expect(message(await check(stream))).toContain("an Arrow stream, not an Arrow IPC file")
    const bytes = fs.readFileSync(twoBatches)
    const truncated = write("truncated.arrow", bytes.subarray(0, bytes.length - 20))
    expect(message(await check(truncated))).toContain("is not a valid Arrow file")
  })
})
