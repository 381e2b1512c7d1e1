/**
 * Encoder settings that cannot fit are rejected when the config is decoded, at their key path, through
 * the CLI's error mapping: exit code 2, one line per key, a hint, no stack trace, nothing run.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { cliProgram } from "../../pipeline/cli/run-cli.ts"
import { deepMerge } from "../../pipeline/config.ts"
import { SeedConfig } from "../../schemas/config.ts"
import { baseConfig, profiles } from "../../stages/profiles.ts"
import { seedPipeline } from "../../stages/seed-pipeline.ts"
import { tempDir } from "../support/temp-dir.ts"

/** `pipeline status --profile smoke` with `sets`, in this process: exit code and what it printed on stderr. */
const status = async (store: string, sets: ReadonlyArray<string>) => {
  const err: Array<string> = []
  const capture = (...xs: ReadonlyArray<unknown>) => void err.push(xs.map(String).join(" "))
  const program = Effect.gen(function* () {
    const base = yield* Effect.console
    const console: Console.Console = {
      ...base,
      log: () => Effect.void,
      error: (...xs) => Effect.sync(() => capture(...xs)),
      unsafe: { ...base.unsafe, log: () => {}, error: capture }
    }
    const argv = ["node", "main.ts", "status", "--profile", "smoke", "--store", store, ...sets.flatMap((s) => ["--set", s])]
    return yield* Effect.withConsole(cliProgram(seedPipeline, argv), console)
  })
  const code = await Effect.runPromise(program)
  return { code, stderr: err.join("\n") }
}

describe("encoder settings in the config", () => {
  it("a stride list that does not match the blocks is an error at encoder.strides", async () => {
    const store = path.join(tempDir("seed-config-errors-"), "store")
    const result = await status(store, ["encoder.strides=[1,2,2]"])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/invalid config for pipeline "seed"/)
    expect(result.stderr).toMatch(/at encoder\.strides: 3 strides for 2 blocks/)
    expect(result.stderr).toMatch(/^hint: /m)
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/) // no stack trace
    expect(fs.existsSync(path.join(store, "objects"))).toBe(false)
  })

  it("an infomax local layer outside the encoder, and a pooling grid larger than the last map, name their keys", async () => {
    const store = path.join(tempDir("seed-config-errors-"), "store")
    // smoke: 12x12 synthetic images, widths [4, 8] (strides 1, 2: a 6x6 last map); methods[2] is infomax
    const result = await status(store, ["methods.2.localLayer=5", "encoder.poolGrid=7"])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/at methods\.2\.localLayer: block 5 is outside the encoder's 2 blocks/)
    expect(result.stderr).toMatch(/at encoder\.poolGrid: 7 is larger than the last block's 6x6 map \(12x12 images\)/)
  })

  it("an infomax local pool that does not divide its block's map names methods.<i>.localPool", async () => {
    const store = path.join(tempDir("seed-config-errors-"), "store")
    const result = await status(store, ["methods.2.localPool=5"])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/at methods\.2\.localPool: 5 does not divide block -2's 12x12 map/)
  })

  it("every shipped profile passes, and smoke's status runs", async () => {
    for (const [name, profile] of Object.entries(profiles))
      expect(Either.isRight(Schema.decodeUnknownEither(SeedConfig)(deepMerge(baseConfig, profile))), name).toBe(true)
    const result = await status(path.join(tempDir("seed-config-errors-"), "store"), [])
    expect(result.stderr).not.toMatch(/invalid config/)
    expect(result.code).toBe(0)
  })
})
