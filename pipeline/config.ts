/** Loads the pipeline config: file or default, deep-merged profile, `--set` overrides, then Schema decoding. */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { ConfigError } from "./errors.ts"
import type { PipelineDefinition } from "./stage.ts"

export interface ConfigSource {
  readonly configPath?: string
  readonly profile?: string
  readonly sets?: ReadonlyArray<string>
}

export interface LoadedConfig<C> {
  /** The merged, undecoded config: what workers are sent and what runs record. */
  readonly raw: unknown
  readonly config: C
  readonly profile: string | undefined
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)

/** Deep merge where `over` wins; arrays and scalars are replaced, objects merged key by key. */
export const deepMerge = (base: unknown, over: unknown): unknown => {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v)
  return out
}

/** Parses `key.path=value`; the value is JSON when it parses as JSON, else a string. */
export const parseSet = (assignment: string): Effect.Effect<{ path: ReadonlyArray<string>; value: unknown }, ConfigError> => {
  const eq = assignment.indexOf("=")
  if (eq <= 0) {
    return Effect.fail(new ConfigError({
      message: `--set "${assignment}" is not of the form key.path=value`,
      hint: "write e.g. --set train.epochs=3"
    }))
  }
  const text = assignment.slice(eq + 1)
  let value: unknown = text
  try {
    value = JSON.parse(text)
  } catch {
    // not JSON: keep the raw string
  }
  return Effect.succeed({ path: assignment.slice(0, eq).split("."), value })
}

/** Returns a copy of `root` with `value` set at `keys`, creating objects on the way. */
export const setPath = (root: unknown, keys: ReadonlyArray<string>, value: unknown): unknown => {
  if (keys.length === 0) return value
  const [head, ...rest] = keys
  if (Array.isArray(root) && /^\d+$/.test(head)) {
    const copy = [...root]
    copy[Number(head)] = setPath(copy[Number(head)], rest, value)
    return copy
  }
  const obj = isPlainObject(root) ? { ...root } : {}
  obj[head] = setPath(obj[head], rest, value)
  return obj
}

const readConfigFile = (file: string): Effect.Effect<unknown, ConfigError> =>
  Effect.try({
    try: () => {
      const text = fs.readFileSync(file, "utf8")
      return /\.ya?ml$/i.test(file) ? yamlParse(text) : JSON.parse(text)
    },
    catch: (e) => new ConfigError({
      message: `cannot read config file ${path.resolve(file)}: ${e instanceof Error ? e.message : String(e)}`,
      hint: "check the path given to --config and that the file is valid JSON or YAML"
    })
  })

// yaml is only needed when a YAML file is given, so it is loaded on demand.
const yamlParse = (text: string): unknown => (createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text)

/** Formats a Schema parse error as one line per offending key path. */
export const describeParseError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `  at ${issue.path.length ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`)
    .join("\n")

/** Decodes an already-merged raw config with the definition's schema (unknown keys are errors). */
export const decodeConfig = <C>(definition: PipelineDefinition<C>, raw: unknown): Effect.Effect<C, ConfigError> =>
  Schema.decodeUnknown(definition.config, { onExcessProperty: "error", errors: "all" })(raw).pipe(
    Effect.mapError((e) => new ConfigError({
      message: `invalid config for pipeline "${definition.name}":\n${describeParseError(e)}`,
      hint: "fix the named keys in the config file, profile or --set overrides"
    }))
  )

/** File (or defaultConfig) -> profile -> `--set` overrides -> decoded config. */
export const loadConfig = <C>(
  definition: PipelineDefinition<C>,
  source: ConfigSource
): Effect.Effect<LoadedConfig<C>, ConfigError> =>
  Effect.gen(function* () {
    let raw = source.configPath ? yield* readConfigFile(source.configPath) : definition.defaultConfig
    const profile = source.profile ?? definition.defaultProfile
    if (profile !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(definition.profiles, profile)) {
        return yield* new ConfigError({
          message: `unknown profile "${profile}"`,
          hint: `available profiles: ${Object.keys(definition.profiles).join(", ") || "(none)"}`
        })
      }
      raw = deepMerge(raw, definition.profiles[profile])
    }
    for (const assignment of source.sets ?? []) {
      const { path: keys, value } = yield* parseSet(assignment)
      raw = setPath(raw, keys, value)
    }
    const config = yield* decodeConfig(definition, raw)
    return { raw, config, profile }
  })
