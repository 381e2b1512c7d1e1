/**
 * A stage's fingerprint: sha256 over canonical JSON of its components (runner format, stage name,
 * encoded params slice, input content hashes, code closure hashes, npm package versions, and the
 * content hashes of the files it reads from outside the store).
 * The components are kept so `status` can say which one changed.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { canonicalJson, sha256 } from "./canonical-json.ts"
import { codeFingerprint } from "./code-hash.ts"
import { describeParseError } from "./config.ts"
import { ConfigError, type StoreError } from "./errors.ts"
import { externalHashes } from "./external-files.ts"
import { jsonLeaves, shortHash } from "./format.ts"
import type { Sha256Hex } from "./records.ts"
import type { StageDefinition } from "./stage.ts"
import type { StatCache } from "./stat-cache.ts"

/** Bumped whenever the meaning of a fingerprint or the layout of the store changes. */
export const RUNNER_FORMAT = "seed-pipeline/2"

export interface FingerprintComponents {
  readonly format: string
  readonly stage: string
  /** The params slice, encoded by the stage's schema (canonical key order when hashed). */
  readonly params: unknown
  /** Local input name -> sha256 of the input artifact's bytes. */
  readonly inputs: Readonly<Record<string, string>>
  /** Project-relative source path -> sha256 of its compiled form (of its bytes, for a file that is not TypeScript). */
  readonly code: Readonly<Record<string, string>>
  /** npm package -> installed version. */
  readonly packages: Readonly<Record<string, string>>
  /** Files read from outside the store (stages that declare `externalFiles` only): label -> sha256. */
  readonly external?: Readonly<Record<string, string>>
}

export const fingerprintOf = (components: FingerprintComponents): Sha256Hex => sha256(canonicalJson(components))

/** Hash of the code closure alone (for display: "code hash"). */
export const codeHashOf = (components: FingerprintComponents): string =>
  sha256(canonicalJson({ code: components.code, packages: components.packages }))

export interface StageParams {
  /** Decoded params handed to `run`. */
  readonly decoded: unknown
  /** Encoded params, hashed into the fingerprint. */
  readonly encoded: unknown
}

/** Selects, encodes and re-decodes a stage's params slice; errors name the stage and key path. */
export const stageParams = (stage: StageDefinition<any>, config: unknown): Effect.Effect<StageParams, ConfigError> =>
  Effect.gen(function* () {
    const slice = stage.selectParams(config)
    const encoded = yield* Schema.encodeUnknown(stage.params)(slice).pipe(Effect.mapError((e) => paramsError(stage, e)))
    const decoded = yield* Schema.decodeUnknown(stage.params)(encoded).pipe(Effect.mapError((e) => paramsError(stage, e)))
    return { decoded, encoded }
  })

const paramsError = (stage: StageDefinition<any>, e: import("effect/ParseResult").ParseError) =>
  new ConfigError({
    message: `params of stage "${stage.name}" do not match its schema:\n${describeParseError(e)}`,
    hint: "check the config keys this stage reads (its selectParams slice)"
  })

/** All fingerprint components of a stage whose input hashes are known. */
export const fingerprintComponents = (
  stage: StageDefinition<any>,
  params: StageParams,
  inputHashes: Readonly<Record<string, string>>,
  cache: StatCache
): Effect.Effect<FingerprintComponents, StoreError> =>
  Effect.all([codeFingerprint(stage.module, cache), externalHashes(stage, params.decoded, cache)]).pipe(
    Effect.map(([code, external]) => ({
      format: RUNNER_FORMAT,
      stage: stage.name,
      params: params.encoded,
      inputs: inputHashes,
      code: code.files,
      packages: code.packages,
      ...(external !== undefined ? { external } : {})
    }))
  )

/** A stage's params, fingerprint components and fingerprint, for one config and known input hashes. */
export interface StageFingerprint {
  readonly params: StageParams
  readonly components: FingerprintComponents
  readonly fingerprint: Sha256Hex
}

/**
 * The one way a stage is fingerprinted: the planner, the executor, the audit and a queue worker all
 * call this, so "same stage, same config, same inputs" means the same key everywhere.
 */
export const fingerprintStage = (
  stage: StageDefinition<any>,
  config: unknown,
  inputHashes: Readonly<Record<string, string>>,
  cache: StatCache
): Effect.Effect<StageFingerprint, ConfigError | StoreError> =>
  Effect.gen(function* () {
    const params = yield* stageParams(stage, config)
    const components = yield* fingerprintComponents(stage, params, inputHashes, cache)
    return { params, components, fingerprint: fingerprintOf(components) }
  })

const diffRecords = (
  label: string,
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
  render: (v: string | undefined) => string
): Array<string> => {
  const lines: Array<string> = []
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[key], b = after[key]
    if (a === b) continue
    if (a === undefined) lines.push(`${label} ${key} added (${render(b)})`)
    else if (b === undefined) lines.push(`${label} ${key} removed (was ${render(a)})`)
    else lines.push(`${label} ${key} changed: ${render(a)} -> ${render(b)}`)
  }
  return lines
}

/** Human lines saying which component changed between two fingerprints, field by field. */
export const explainChange = (before: FingerprintComponents, after: FingerprintComponents): Array<string> => {
  const lines: Array<string> = []
  if (before.format !== after.format) lines.push(`runner format changed: ${before.format} -> ${after.format}`)
  lines.push(...diffRecords("param", jsonLeaves(before.params), jsonLeaves(after.params), (v) => v ?? "(none)"))
  lines.push(...diffRecords("input", before.inputs, after.inputs, shortHash))
  lines.push(...diffRecords("source file", before.code, after.code, shortHash))
  lines.push(...diffRecords("external file", before.external ?? {}, after.external ?? {}, (v) => (v && /^[0-9a-f]{64}$/.test(v) ? shortHash(v) : v ?? "(none)")))
  lines.push(...diffRecords("package", before.packages, after.packages, (v) => v ?? "(none)"))
  return lines
}
