/** Checks a stage's declared outputs after `run`: present, and for Arrow, a readable IPC file with the declared fields. */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { StageFailed } from "./errors.ts"
import type { OutputSpec } from "./stage.ts"

export interface CheckedOutput {
  readonly bytes: number
  readonly rows?: number
}

const fail = (stage: string, message: string, hint?: string) =>
  new StageFailed({ stage, message, hint, cause_tag: "InvalidOutput" })

/** Counts rows of an Arrow IPC file and checks its field names; apache-arrow is loaded only when needed. */
const checkArrow = (stage: string, name: string, spec: OutputSpec, file: string): Effect.Effect<number, StageFailed> =>
  Effect.tryPromise({
    try: async () => {
      const { RecordBatchReader } = await import("apache-arrow")
      const reader = RecordBatchReader.from(fs.readFileSync(file))
      reader.open()
      if (!reader.isFile()) throw new Error("it is an Arrow stream, not an Arrow IPC file")
      const names = reader.schema.fields.map((f) => f.name)
      if (spec.fields && names.join("\u0000") !== spec.fields.join("\u0000")) {
        throw new Error(`its fields are [${names.join(", ")}], the stage declares [${spec.fields.join(", ")}]`)
      }
      let rows = 0
      for (let i = 0; i < reader.numRecordBatches; i++) rows += reader.readRecordBatch(i)?.numRows ?? 0
      return rows
    },
    catch: (e) =>
      fail(stage, `stage "${stage}" output "${name}" is not a valid Arrow file: ${e instanceof Error ? e.message : String(e)}`,
        'write it with tableToIPC(table, "file") or RecordBatchFileWriter, with the declared fields in order')
  })

/** Validates one output file; returns its size and (for Arrow) row count. */
export const checkOutput = (stage: string, name: string, spec: OutputSpec, file: string): Effect.Effect<CheckedOutput, StageFailed> =>
  Effect.gen(function* () {
    if (!fs.existsSync(file)) {
      return yield* fail(stage, `stage "${stage}" did not write its declared output "${name}" (expected at ${file})`,
        `write it to ctx.outputPath("${name}")`)
    }
    const bytes = fs.statSync(file).size
    if ((spec.format ?? "arrow") === "file") return { bytes }
    const rows = yield* checkArrow(stage, name, spec, file)
    return { bytes, rows }
  })
