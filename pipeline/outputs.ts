/** Checks a stage's declared outputs after `run`: present, and for Arrow, a readable IPC file with the declared fields. */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import { StageFailed } from "./errors.ts"
import type { OutputSpec } from "./stage.ts"

export interface CheckedOutput {
  readonly bytes: number
  readonly rows?: number
}

const fail = (stage: string, message: string, hint?: string) =>
  new StageFailed({ stage, message, hint, cause_tag: "InvalidOutput" })

/**
 * Reads an Arrow IPC file's structure without its bodies: the footer (schema, record batch blocks) and
 * each batch's message header, which holds its row count. An artifact can pass 2 GiB (the `large`
 * profile's raw-pixel train table is 2.5 GB), more than one read or one fs.readFile can take, and its
 * bytes are hashed in full anyway.
 */
const arrowLayout = async (file: string): Promise<{ names: Array<string>; rows: number }> => {
  const { Message, RecordBatchReader } = await import("apache-arrow")
  const handle = await fsp.open(file, "r")
  try {
    const reader = await RecordBatchReader.from(handle)
    await reader.open()
    if (!reader.isFile()) throw new Error("it is an Arrow stream, not an Arrow IPC file")
    let rows = 0
    for (let i = 0; i < reader.numRecordBatches; i++) {
      const block = reader.footer!.getRecordBatch(i)
      if (block === null) throw new Error(`its footer lists no record batch ${i}`)
      const meta = Buffer.alloc(block.metaDataLength)
      await handle.read(meta, 0, meta.length, Number(block.offset))
      // an encapsulated message: [0xFFFFFFFF continuation] int32 length, then the flatbuffer header
      const at = meta.readInt32LE(0) === -1 ? 4 : 0
      const message = Message.decode(meta.subarray(at + 4, at + 4 + meta.readInt32LE(at)))
      if (!message.isRecordBatch()) throw new Error(`block ${i} of its footer is not a record batch`)
      rows += Number(message.header().length)
    }
    return { names: reader.schema.fields.map((f) => f.name), rows }
  } finally {
    await handle.close()
  }
}

/** Counts rows of an Arrow IPC file and checks its field names; apache-arrow is loaded only when needed. */
const checkArrow = (stage: string, name: string, spec: OutputSpec, file: string): Effect.Effect<number, StageFailed> =>
  Effect.tryPromise({
    try: async () => {
      const { names, rows } = await arrowLayout(file)
      if (spec.fields && names.join("\u0000") !== spec.fields.join("\u0000")) {
        throw new Error(`its fields are [${names.join(", ")}], the stage declares [${spec.fields.join(", ")}]`)
      }
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
