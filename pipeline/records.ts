/**
 * The JSON records the store keeps (per-stage index entries and HEAD, per-run records), as Effect
 * Schemas: whatever is read back from disk is decoded, so a torn, foreign or tampered file is
 * recognised as such (and treated as a cache miss) instead of flowing into paths and lookups.
 */
import * as Schema from "effect/Schema"

/** A sha256 digest as the store names objects: exactly 64 lowercase hex digits (never a path). */
export const Sha256Hex = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{64}$/),
  Schema.brand("Sha256Hex"),
  Schema.annotations({ identifier: "Sha256Hex", description: "64 lowercase hex digits" })
)
export type Sha256Hex = typeof Sha256Hex.Type

const isSha256Hex = Schema.is(Sha256Hex)

/** Narrows a digest computed in this process (sha256 hex) to Sha256Hex; anything else is a bug. */
export const asSha256Hex = (value: string): Sha256Hex => {
  if (!isSha256Hex(value)) throw new Error(`not a sha256 hex digest: ${JSON.stringify(value.slice(0, 80))}`)
  return value
}

export const OutputRecord = Schema.Struct({
  hash: Sha256Hex,
  bytes: Schema.Number,
  /** Row count for Arrow outputs. */
  rows: Schema.optional(Schema.Number),
  format: Schema.Literal("arrow", "file"),
  extension: Schema.String,
  /** Name of its export under latest/<stage>/. */
  fileName: Schema.optional(Schema.String),
  /** Holds run measurements (timings): not expected to be byte-identical on a rerun. */
  volatile: Schema.optional(Schema.Boolean),
  /** Declared a metrics output: `diff` compares its values. */
  metrics: Schema.optional(Schema.Boolean)
})
export type OutputRecord = typeof OutputRecord.Type

export const InputRecord = Schema.Struct({
  stage: Schema.String,
  output: Schema.String,
  hash: Sha256Hex
})
export type InputRecord = typeof InputRecord.Type

export const RuntimeFacts = Schema.Struct({
  node: Schema.String,
  platform: Schema.String,
  arch: Schema.String,
  cpus: Schema.Number,
  cpuModel: Schema.String
})
export type RuntimeFacts = typeof RuntimeFacts.Type

/**
 * Fingerprint components as stored (see fingerprint.ts): only their shape is checked here, and
 * fields this version does not know are kept (decoded with onExcessProperty "preserve").
 */
const StoredComponents = Schema.Struct({
  format: Schema.String,
  stage: Schema.String,
  params: Schema.Unknown,
  inputs: Schema.Record({ key: Schema.String, value: Schema.String }),
  code: Schema.Record({ key: Schema.String, value: Schema.String }),
  packages: Schema.Record({ key: Schema.String, value: Schema.String }),
  external: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/** A completed stage: written only after all its outputs are committed objects. */
export const IndexEntry = Schema.Struct({
  stage: Schema.String,
  fingerprint: Sha256Hex,
  codeHash: Schema.String,
  components: StoredComponents,
  inputs: Schema.Record({ key: Schema.String, value: InputRecord }),
  outputs: Schema.Record({ key: Schema.String, value: OutputRecord }),
  timings: Schema.Struct({ startedAt: Schema.String, finishedAt: Schema.String, seconds: Schema.Number }),
  provenance: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  runId: Schema.String,
  heavy: Schema.Boolean,
  runtime: RuntimeFacts
})
export type IndexEntry = typeof IndexEntry.Type

export const StageOutcome = Schema.Literal("ran", "cached", "failed", "skipped", "would-run", "up-to-date")
export type StageOutcome = typeof StageOutcome.Type

export const StageRunRecord = Schema.Struct({
  outcome: StageOutcome,
  /** Why it ran (what changed) or why it was cached / skipped. */
  reasons: Schema.Array(Schema.String),
  fingerprint: Schema.optional(Sha256Hex),
  codeHash: Schema.optional(Schema.String),
  params: Schema.optional(Schema.Unknown),
  code: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  outputs: Schema.optional(Schema.Record({ key: Schema.String, value: OutputRecord })),
  seconds: Schema.optional(Schema.Number),
  error: Schema.optional(Schema.Struct({ _tag: Schema.String, message: Schema.String, hint: Schema.optional(Schema.String) }))
})
export type StageRunRecord = typeof StageRunRecord.Type

export const RunRecord = Schema.Struct({
  runId: Schema.String,
  pipeline: Schema.String,
  startedAt: Schema.String,
  finishedAt: Schema.String,
  seconds: Schema.Number,
  ok: Schema.Boolean,
  dryRun: Schema.Boolean,
  profile: Schema.optional(Schema.String),
  config: Schema.Unknown,
  targets: Schema.Array(Schema.String),
  forced: Schema.Array(Schema.String),
  runtime: RuntimeFacts,
  stages: Schema.Record({ key: Schema.String, value: StageRunRecord })
})
export type RunRecord = typeof RunRecord.Type
