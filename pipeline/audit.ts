/**
 * `audit`: re-hash every artifact of a run from disk and verify the lineage chain (each input hash
 * of each stage equals its producer's output hash, each recorded fingerprint matches its components).
 * `rerunStage` re-executes one stage in a scratch store on the same input objects and compares hashes.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { decodeConfig } from "./config.ts"
import { storeError, UsageError, type ConfigError, type StageFailed, type StoreError } from "./errors.ts"
import { executeStage } from "./execute-stage.ts"
import { hashFileEffect } from "./file-hash.ts"
import { fingerprintOf, fingerprintStage } from "./fingerprint.ts"
import type { RunRecord } from "./records.ts"
import { Session, type SessionServices } from "./session.ts"
import { StatCache } from "./stat-cache.ts"
import { Store } from "./store.ts"
import { useStoreForRun } from "./store-use.ts"
import { shortHash } from "./format.ts"

const attempt = <A>(what: string, f: () => A): Effect.Effect<A, StoreError> => Effect.try({ try: f, catch: storeError(what) })

export interface AuditReport {
  readonly runId: string
  readonly artifactsChecked: number
  readonly problems: ReadonlyArray<string>
}

/** Re-hashes each output object of the run (no stat cache) and checks lineage against index entries. */
export const auditRun = (run: RunRecord): Effect.Effect<AuditReport, StoreError, Store> =>
  Effect.gen(function* () {
    const store = yield* Store
    const problems: Array<string> = []
    let artifactsChecked = 0
    for (const [stage, rec] of Object.entries(run.stages)) {
      for (const [name, out] of Object.entries(rec.outputs ?? {})) {
        artifactsChecked++
        const file = store.objectPath(out.hash)
        if (!(yield* store.hasObject(out.hash))) {
          problems.push(`${stage}.${name}: object ${shortHash(out.hash)} is missing`)
          continue
        }
        const actual = yield* hashFileEffect(file)
        if (actual !== out.hash) problems.push(`${stage}.${name}: object ${shortHash(out.hash)} is corrupted (bytes hash to ${shortHash(actual)})`)
      }
      if (!rec.fingerprint || !rec.outputs) continue
      const entry = yield* store.readIndex(stage, rec.fingerprint)
      if (!entry) {
        problems.push(`${stage}: index entry ${shortHash(rec.fingerprint)} is missing`)
        continue
      }
      if (fingerprintOf(entry.components) !== entry.fingerprint) problems.push(`${stage}: index entry's components do not hash to its fingerprint`)
      for (const [local, input] of Object.entries(entry.inputs)) {
        const producer = run.stages[input.stage]?.outputs?.[input.output]
        if (!producer) problems.push(`${stage} input ${local}: producer ${input.stage}.${input.output} is not in this run`)
        else if (producer.hash !== input.hash) {
          problems.push(`${stage} input ${local}: read ${shortHash(input.hash)} but ${input.stage}.${input.output} produced ${shortHash(producer.hash)}`)
        }
      }
    }
    return { runId: run.runId, artifactsChecked, problems }
  })

export interface RerunReport {
  readonly stage: string
  readonly reproducible: boolean
  /** Whether the current code/params still give the recorded fingerprint. */
  readonly sameFingerprint: boolean
  readonly outputs: ReadonlyArray<{ readonly output: string; readonly recorded: string; readonly rerun: string; readonly volatile: boolean }>
}

/** Re-executes `stageName` of `run` in a fresh scratch store with the same input objects. */
export const rerunStage = (
  run: RunRecord,
  stageName: string
): Effect.Effect<RerunReport, UsageError | StoreError | StageFailed | ConfigError, SessionServices> =>
  Effect.gen(function* () {
    const session = yield* Session
    const store = yield* Store
    const rec = run.stages[stageName]
    const stage = session.graph.byName.get(stageName)
    const entry = rec?.fingerprint ? yield* store.readIndex(stageName, rec.fingerprint) : undefined
    if (!stage || !entry) {
      return yield* new UsageError({ message: `stage "${stageName}" has no completed record in run ${run.runId}`, hint: "run `status` or `show` to see which stages completed" })
    }
    yield* useStoreForRun // the input objects it copies must not be collected meanwhile
    const scratchRoot = yield* Effect.acquireRelease(
      attempt("cannot create a scratch store", () => fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-audit-"))),
      (dir) => Effect.ignore(attempt(`cannot remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true })))
    )
    // the rerun sees only the scratch store (with copies of the inputs) and a stat cache of its own
    const scratch = yield* Layer.build(Layer.merge(Store.Default(scratchRoot), StatCache.Default(undefined)))
    yield* Effect.flatMap(Store, (copy) =>
      Effect.forEach(Object.values(entry.inputs), (input) =>
        attempt(`cannot copy input ${input.hash} into the scratch store`, () => {
          const dest = copy.objectPath(input.hash)
          fs.mkdirSync(path.dirname(dest), { recursive: true })
          fs.copyFileSync(store.objectPath(input.hash), dest)
        }), { discard: true })).pipe(Effect.provide(scratch))
    // the run's own config, not today's: the check is "same inputs, same params, same code -> same bytes"
    const config = yield* decodeConfig(session.definition, run.config)
    const inputHashes = Object.fromEntries(Object.entries(entry.inputs).map(([k, v]) => [k, v.hash]))
    const { fresh, fingerprint } = yield* Effect.gen(function* () {
      const { params, components, fingerprint } = yield* fingerprintStage(stage, config, inputHashes, yield* StatCache)
      const fresh = yield* executeStage({
        stage, params: params.decoded, fingerprint, components, inputs: entry.inputs, runId: `audit-${run.runId}`,
        worker: { definitionModule: session.definition.module, definitionName: session.definition.name, config: run.config }
      }, { progress: () => undefined, log: () => undefined, provenance: () => undefined })
      return { fresh, fingerprint }
    }).pipe(Effect.provide(scratch))
    const outputs = Object.entries(entry.outputs).map(([output, o]) =>
      ({ output, recorded: o.hash, rerun: fresh.outputs[output]?.hash ?? "(missing)", volatile: o.volatile === true }))
    return {
      stage: stageName,
      // timings differ on every run; everything else must come back byte-identical
      reproducible: outputs.every((o) => o.volatile || o.recorded === o.rerun),
      sameFingerprint: fingerprint === entry.fingerprint,
      outputs
    }
  }).pipe(Effect.scoped)
