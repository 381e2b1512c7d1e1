import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { loadCheckpoint } from "../../ml/checkpoint.ts"
import { tempDir } from "../support/temp-dir.ts"

/** loadCheckpoint with its console output collected. */
const load = (dir: string) => {
  const said: Array<string> = []
  const capture = (...xs: ReadonlyArray<unknown>) => Effect.sync(() => void said.push(xs.map(String).join(" ")))
  return Effect.runPromise(Effect.gen(function* () {
    const base = yield* Effect.console
    const console: Console.Console = { ...base, log: capture, error: capture }
    return yield* Effect.withConsole(loadCheckpoint(dir), console)
  })).then((checkpoint) => ({ checkpoint, said }))
}

describe("checkpoint progress files", () => {
  for (const [what, text] of [
    ["truncated", '{"epochsDone": 2, "hist'],
    ["of the wrong shape", '{"epochs": 2}'],
    ["with wrong types", '{"epochsDone": "2", "history": []}'],
    ["with a negative epoch count", '{"epochsDone": -1, "history": []}']
  ]) {
    it(`a progress.json ${what} means starting over, with a one-line warning naming it`, async () => {
      const dir = tempDir("seed-checkpoint-")
      fs.mkdirSync(path.join(dir, "epoch-00002"))
      const file = path.join(dir, "epoch-00002", "progress.json")
      fs.writeFileSync(file, text)
      const { checkpoint, said } = await load(dir)
      expect(checkpoint).toBeUndefined()
      expect(said).toHaveLength(1)
      expect(said[0]).toContain(file)
      expect(said[0]).not.toContain("\n")
      expect(said[0]).toMatch(/training starts over$/)
    })
  }
})
