/**
 * Source text of the test DAG, written into a temp project by `makeFixtureProject`:
 * source -> scale, source -> shift (uses lib/helper-c.ts), combine:<name> per config entry
 * (reads scale and shift), report (reads every combine), and an optional slow "big" stage (heavy
 * with `heavyBig`: it then runs in a worker process).
 */
export const repoRoot = new URL("../../", import.meta.url).pathname.replace(/\/$/, "")
/** The project's TypeScript loader, for `node --import` in spawned processes. */
export const tsLoader = new URL("../../pipeline/ts-loader/register.mjs", import.meta.url).href

const table = `
import * as fs from "node:fs"
import { tableFromArrays, tableFromIPC, tableToIPC } from "apache-arrow"
export const writeColumn = (file: string, name: string, values: Float64Array | Int32Array) =>
  fs.writeFileSync(file, tableToIPC(tableFromArrays({ [name]: values }), "file"))
export const readColumn = (file: string): Float64Array =>
  Float64Array.from(tableFromIPC(fs.readFileSync(file)).getChildAt(0)!.toArray() as ArrayLike<number>)
`

const helperC = `
/** Only shift.ts imports this file. */
export const shiftValue = (x: number, offset: number): number => x + offset
`

const source = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { writeColumn } from "../lib/table.ts"
export const source = {
  name: "source", module: import.meta.url,
  params: Schema.Struct({ rows: Schema.Int }),
  selectParams: (c: any) => c.source,
  inputs: {},
  outputs: { numbers: { description: "0..rows-1", fields: ["x"] } },
  run: (ctx: any) => Effect.sync(() => writeColumn(ctx.outputPath("numbers"), "x", Int32Array.from({ length: ctx.params.rows }, (_, i) => i)))
}
`

const scale = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { readColumn, writeColumn } from "../lib/table.ts"
export const scale = {
  name: "scale", module: import.meta.url,
  params: Schema.Struct({ factor: Schema.Number, sleepMs: Schema.optional(Schema.Int), gate: Schema.optional(Schema.String) }),
  selectParams: (c: any) => c.scale,
  inputs: { numbers: { stage: "source", output: "numbers" } },
  outputs: { scaled: { description: "x * factor", fields: ["y"] } },
  run: (ctx: any) => Effect.gen(function* () {
    // counts attempts in its checkpoint dir; FIXTURE_FAIL_SCALE makes an attempt fail after counting
    const attemptsFile = path.join(ctx.checkpointDir, "attempts")
    const attempt = (fs.existsSync(attemptsFile) ? Number(fs.readFileSync(attemptsFile, "utf8")) : 0) + 1
    fs.writeFileSync(attemptsFile, String(attempt))
    yield* ctx.recordProvenance({ attempt, pid: process.pid })
    if (process.env.FIXTURE_FAIL_SCALE) return yield* Effect.fail({ _tag: "ScaleFailed", message: "scale was told to fail (fixture)" })
    if (ctx.params.sleepMs) yield* Effect.sleep(ctx.params.sleepMs)
    // gate: a file to wait for, so a test decides when this stage finishes instead of racing a sleep
    for (let waited = 0; ctx.params.gate && !fs.existsSync(ctx.params.gate); waited += 10) {
      if (waited > 60000) throw new Error("scale: " + ctx.params.gate + " did not appear")
      yield* Effect.sleep(10)
    }
    const x = readColumn(ctx.inputs.numbers.path)
    yield* ctx.progress(1, 1, "scaled")
    writeColumn(ctx.outputPath("scaled"), "y", x.map((v) => v * ctx.params.factor))
  })
}
`

const shift = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { readColumn, writeColumn } from "../lib/table.ts"
import { shiftValue } from "../lib/helper-c.ts"
class ShiftFailed { readonly _tag = "ShiftFailed"; constructor(readonly message: string, readonly hint: string) {} }
export const makeShift = (heavy: boolean) => ({
  name: "shift", module: import.meta.url, heavy,
  params: Schema.Struct({ offset: Schema.Number, mutateInput: Schema.optional(Schema.Boolean), mutateAfter: Schema.optional(Schema.String), editSource: Schema.optional(Schema.String), fail: Schema.optional(Schema.Boolean) }),
  selectParams: (c: any) => c.shift,
  inputs: { numbers: { stage: "source", output: "numbers" } },
  outputs: { shifted: { description: "shiftValue(x, offset)", fields: ["z"] } },
  run: (ctx: any) => Effect.gen(function* () {
    if (ctx.params.fail) return yield* Effect.fail(new ShiftFailed("shift was told to fail (fixture)", "unset shift.fail"))
    // workerStart: how this process was started ("runner": in the runner itself; see worker-protocol.ts)
    yield* ctx.recordProvenance({ pid: process.pid, workerStart: process.env.PIPELINE_WORKER ?? "runner" })
    const x = readColumn(ctx.inputs.numbers.path)
    writeColumn(ctx.outputPath("shifted"), "z", x.map((v) => shiftValue(v, ctx.params.offset)))
    // editSource: a source file of this stage's code closure to change while it runs (a user editing mid-run)
    if (ctx.params.editSource) fs.appendFileSync(ctx.params.editSource, "\\nexport const editedWhileRunning = 1\\n")
    if (ctx.params.mutateInput) {
      // mutateAfter: a file to wait for first (another stage's index entry), so the race is decided by the test
      for (let waited = 0; ctx.params.mutateAfter && !fs.existsSync(ctx.params.mutateAfter); waited += 10) {
        if (waited > 20000) throw new Error("shift: " + ctx.params.mutateAfter + " did not appear")
        yield* Effect.sleep(10)
      }
      fs.chmodSync(ctx.inputs.numbers.path, 0o644)
      fs.appendFileSync(ctx.inputs.numbers.path, "tampered")
    }
  })
})
`

const combine = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { readColumn, writeColumn } from "../lib/table.ts"
export const makeCombine = (item: { name: string }, name: string) => ({
  name, module: import.meta.url,
  params: Schema.Struct({ name: Schema.String, weight: Schema.Number }),
  selectParams: (c: any) => c.combine.find((e: any) => e.name === item.name),
  inputs: { scaled: { stage: "scale", output: "scaled" }, shifted: { stage: "shift", output: "shifted" } },
  outputs: { combined: { description: "y * weight + z", fields: ["w"] } },
  run: (ctx: any) => Effect.sync(() => {
    const y = readColumn(ctx.inputs.scaled.path), z = readColumn(ctx.inputs.shifted.path)
    writeColumn(ctx.outputPath("combined"), "w", y.map((v, i) => v * ctx.params.weight + z[i]))
  })
})
`

const report = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { readColumn } from "../lib/table.ts"
export const makeReport = (names: ReadonlyArray<string>) => ({
  name: "report", module: import.meta.url,
  params: Schema.Struct({}),
  selectParams: () => ({}),
  inputs: Object.fromEntries(names.map((n) => [n, { stage: "combine:" + n, output: "combined" }])),
  outputs: { summary: { description: "sums", format: "file" as const, extension: "md" } },
  run: (ctx: any) => Effect.sync(() => {
    const lines = names.map((n) => "- " + n + ": " + readColumn(ctx.inputs[n].path).reduce((a, b) => a + b, 0))
    fs.writeFileSync(ctx.outputPath("summary"), "# Summary\\n" + lines.join("\\n") + "\\n")
  })
})
`

const big = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
export const makeBig = (heavy: boolean) => ({
  name: "big", module: import.meta.url, heavy,
  params: Schema.Struct({ bytes: Schema.Int, chunk: Schema.Int, delayMs: Schema.Int, spin: Schema.optional(Schema.Boolean) }),
  selectParams: (c: any) => c.big,
  inputs: { shifted: { stage: "shift", output: "shifted" } },
  outputs: { blob: { description: "a large file written slowly", format: "file" as const } },
  run: (ctx: any) => Effect.gen(function* () {
    // where the process computing it can be found (a test kills its parent and watches this pid)
    fs.writeFileSync(path.join(ctx.checkpointDir, "pid"), String(process.pid))
    const fd = fs.openSync(ctx.outputPath("blob"), "w")
    const chunk = Buffer.alloc(ctx.params.chunk, 7)
    for (let written = 0; written < ctx.params.bytes; written += chunk.length) {
      fs.writeSync(fd, chunk)
      // spin: the delay holds the CPU and the event loop, as a training step does
      if (ctx.params.spin) for (const end = Date.now() + ctx.params.delayMs; Date.now() < end;) {}
      else if (ctx.params.delayMs) yield* Effect.sleep(ctx.params.delayMs)
      yield* ctx.progress(written + chunk.length, ctx.params.bytes)
    }
    fs.closeSync(fd)
  })
})
`

const tfStage = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
/** Keeps TensorFlow.js behind a dynamic import, as SEED's heavy stages do. */
export const tf = {
  name: "tf", module: import.meta.url,
  params: Schema.Struct({}),
  selectParams: () => ({}),
  inputs: {},
  outputs: { version: { description: "tfjs version", format: "file" as const, extension: "txt" } },
  run: (ctx: any) => Effect.promise(async () => {
    const tfjs = await import("@tensorflow/tfjs-core")
    fs.writeFileSync(ctx.outputPath("version"), String(tfjs.version_core))
  })
}
`

const pipeline = `
import * as Schema from "effect/Schema"
import { source } from "./stages/source.ts"
import { scale } from "./stages/scale.ts"
import { makeShift } from "./stages/shift.ts"
import { makeCombine } from "./stages/combine.ts"
import { makeReport } from "./stages/report.ts"
import { makeBig } from "./stages/big.ts"
import { tf } from "./stages/tf.ts"
const Config = Schema.Struct({
  source: Schema.Struct({ rows: Schema.Int }),
  scale: Schema.Struct({ factor: Schema.Number, sleepMs: Schema.optional(Schema.Int), gate: Schema.optional(Schema.String) }),
  shift: Schema.Struct({ offset: Schema.Number, mutateInput: Schema.optional(Schema.Boolean), mutateAfter: Schema.optional(Schema.String), editSource: Schema.optional(Schema.String), fail: Schema.optional(Schema.Boolean) }),
  combine: Schema.Array(Schema.Struct({ name: Schema.String, weight: Schema.Number })),
  big: Schema.optional(Schema.Struct({ bytes: Schema.Int, chunk: Schema.Int, delayMs: Schema.Int, spin: Schema.optional(Schema.Boolean) })),
  heavyBig: Schema.optional(Schema.Boolean),
  heavyShift: Schema.optional(Schema.Boolean),
  withTf: Schema.optional(Schema.Boolean),
  notes: Schema.optional(Schema.String)
})
export const definition = {
  name: "fixture", module: import.meta.url, config: Config,
  profiles: { tiny: { source: { rows: 4 } }, default: {} },
  defaultProfile: "default",
  defaultConfig: { source: { rows: 50 }, scale: { factor: 2 }, shift: { offset: 1 }, combine: [{ name: "p", weight: 1 }, { name: "q", weight: 3 }] },
  stages: (c: any) => [
    source, scale, makeShift(c.heavyShift === true),
    ...c.combine.map((item: any) => makeCombine(item, "combine:" + item.name)),
    makeReport(c.combine.map((item: any) => item.name)),
    ...(c.big ? [makeBig(c.heavyBig === true)] : []),
    ...(c.withTf ? [tf] : [])
  ]
}
`

const main = `
import { runCli } from "${repoRoot}/pipeline/cli/run-cli.ts"
import { definition } from "./pipeline.ts"
if (process.env.REPORT_TF_LOADED) process.on("exit", () => process.stderr.write("tfjs-loaded=" + ("_tfengine" in globalThis) + "\\n"))
runCli(definition as any)
`

/** Project-relative path -> file content. */
export const fixtureFiles: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", private: true, type: "module" }),
  "README.md": "# fixture project\n",
  "test/pipeline.test.ts": "// a test file: never part of any stage's code\n",
  "lib/table.ts": table,
  "lib/helper-c.ts": helperC,
  "stages/source.ts": source,
  "stages/scale.ts": scale,
  "stages/shift.ts": shift,
  "stages/combine.ts": combine,
  "stages/report.ts": report,
  "stages/big.ts": big,
  "stages/tf.ts": tfStage,
  "pipeline.ts": pipeline,
  "main.ts": main
}
