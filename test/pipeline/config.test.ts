import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { loadConfig, type ConfigSource } from "../../pipeline/config.ts"
import { definePipeline } from "../../pipeline/stage.ts"
import { tempDir } from "../support/temp-dir.ts"

const definition = definePipeline({
  name: "cfg",
  module: import.meta.url,
  config: Schema.Struct({
    train: Schema.Struct({ epochs: Schema.Int, lr: Schema.Number }),
    methods: Schema.Array(Schema.Struct({ name: Schema.String, dim: Schema.Int })),
    label: Schema.optional(Schema.String)
  }),
  profiles: { quick: { train: { epochs: 1 } } },
  defaultProfile: undefined,
  defaultConfig: { train: { epochs: 10, lr: 0.1 }, methods: [{ name: "a", dim: 8 }] },
  stages: () => []
})

const load = (source: ConfigSource) => Effect.runSync(Effect.either(loadConfig(definition, source)))
const message = (source: ConfigSource) => {
  const result = load(source)
  if (Either.isRight(result)) throw new Error("expected a config error")
  return result.left.message
}

describe("config loading", () => {
  it("merges profile then --set overrides (JSON values parsed, else strings)", () => {
    const result = load({ profile: "quick", sets: ["train.lr=0.5", "methods.0.dim=16", "label=run one"] })
    expect(Either.getOrThrow(result).config).toEqual({ train: { epochs: 1, lr: 0.5 }, methods: [{ name: "a", dim: 16 }], label: "run one" })
  })

  it("reads YAML and JSON files", () => {
    const dir = tempDir("cfg-")
    fs.writeFileSync(path.join(dir, "c.yaml"), "train:\n  epochs: 3\n  lr: 0.01\nmethods:\n  - name: b\n    dim: 4\n")
    fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify({ train: { epochs: 2, lr: 1 }, methods: [] }))
    expect(Either.getOrThrow(load({ configPath: path.join(dir, "c.yaml") })).config.train.epochs).toBe(3)
    expect(Either.getOrThrow(load({ configPath: path.join(dir, "c.json") })).config.train.lr).toBe(1)
  })

  it("names the key path of an unknown key", () => {
    expect(message({ sets: ["train.epocs=3"] })).toMatch(/at train\.epocs: is unexpected/)
  })

  it("names the key path of a wrong type, inside arrays too", () => {
    const text = message({ sets: ["train.lr=\"fast\"", "methods.0.dim=1.5"] })
    expect(text).toMatch(/at train\.lr: Expected number, actual "fast"/)
    expect(text).toMatch(/at methods\.0\.dim: /)
  })

  it("rejects an unknown profile, a malformed --set and a missing file clearly", () => {
    expect(message({ profile: "nope" })).toBe('unknown profile "nope"')
    expect(message({ sets: ["noequals"] })).toMatch(/is not of the form key\.path=value/)
    expect(message({ configPath: "/nonexistent/c.yaml" })).toMatch(/cannot read config file \/nonexistent\/c\.yaml/)
  })
})
