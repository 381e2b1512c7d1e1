/**
 * Executes one stage into a private temp dir, then commits it: inputs re-hashed before and after,
 * outputs validated, hashed and moved into objects/, and only then the index entry is written.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { StageFailed, storeError, type StoreError } from "./errors.ts"
import { codeFingerprint } from "./code-hash.ts"
import { codeHashOf, type FingerprintComponents } from "./fingerprint.ts"
import { externalHashes } from "./external-files.ts"
import { hashFileEffect } from "./file-hash.ts"
import { checkOutput } from "./outputs.ts"
import type { IndexEntry, InputRecord, OutputRecord, Sha256Hex } from "./records.ts"
import type { InputArtifact, StageDefinition } from "./stage.ts"
import { makeContext, outputFile, runStageBody, type StageHooks } from "./stage-context.ts"
import { sameStat, StatCache } from "./stat-cache.ts"
import { runtimeFacts, Store } from "./store.ts"
import { WorkerPool } from "./worker-process.ts"
import { shortHash } from "./format.ts"

export interface StageJob {
  readonly stage: StageDefinition<any>
  readonly params: unknown
  readonly fingerprint: Sha256Hex
  readonly components: FingerprintComponents
  readonly inputs: Readonly<Record<string, InputRecord>>
  readonly runId: string
  /** What a heavy stage's worker needs to rebuild the stage. */
  readonly worker: { readonly definitionModule: string; readonly definitionName: string; readonly config: unknown }
}

const attempt = <A>(what: string, f: () => A): Effect.Effect<A, StoreError> => Effect.try({ try: f, catch: storeError(what) })

/** The stage's private dir, removed when it ends (a dir that cannot be removed is only warned about: a later run sweeps it). */
const tempDir = (store: Store, label: string) =>
  Effect.acquireRelease(store.makeTempDir(label), (dir) =>
    attempt(`cannot remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true })).pipe(
      Effect.catchAll((e) => Console.error(`warning: ${e.message}`))
    ))

/** Every input object must still hash to what the fingerprint says. */
const checkInputs = (store: Store, cache: StatCache, job: StageJob, when: "before" | "after") =>
  Effect.forEach(Object.entries(job.inputs), ([name, input]) =>
    cache.hash(store.objectPath(input.hash)).pipe(
      Effect.flatMap((actual) =>
        actual === input.hash
          ? Effect.void
          : Effect.fail(new StageFailed({
            stage: job.stage.name,
            message: when === "after"
              ? `input "${name}" (${input.stage}.${input.output}) changed while stage "${job.stage.name}" ran: expected ${shortHash(input.hash)}, found ${shortHash(actual)}; nothing was recorded`
              : `input "${name}" (${input.stage}.${input.output}) is corrupted in the store: expected ${shortHash(input.hash)}, found ${shortHash(actual)}`,
            hint: when === "after" ? "stages must treat their inputs as read-only" : `rerun with --force ${input.stage}`,
            cause_tag: "InputChanged"
          }))
      )
    ), { discard: true })

/** The files read from outside the store must still hash to what the fingerprint says: else the outputs may mix old and new bytes. */
const checkExternal = (cache: StatCache, job: StageJob) =>
  Effect.gen(function* () {
    const recorded = job.components.external
    if (recorded === undefined) return
    const now = (yield* externalHashes(job.stage, job.params, cache)) ?? {}
    const changed = [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((label) => recorded[label] !== now[label]).sort()
    if (changed.length > 0)
      return yield* Effect.fail(new StageFailed({
        stage: job.stage.name,
        message: `${changed.join(", ")} changed while stage "${job.stage.name}" ran (read from outside the store); nothing was recorded`,
        hint: "leave the dataset files alone while the stage runs, then run again",
        cause_tag: "ExternalInputChanged"
      }))
  })

/**
 * The stage's source files must still be what the fingerprint says: a worker imports modules as the
 * stage runs, so an edit mid-stage could run new code under the old code key.
 */
const checkCode = (cache: StatCache, job: StageJob) =>
  Effect.gen(function* () {
    const recorded = job.components.code
    const now = (yield* codeFingerprint(job.stage.module, cache)).files
    const changed = [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((file) => recorded[file] !== now[file]).sort()
    if (changed.length > 0)
      return yield* Effect.fail(new StageFailed({
        stage: job.stage.name,
        message: `${changed.join(", ")} changed while stage "${job.stage.name}" ran; nothing was recorded`,
        hint: "run again once the edit is done: the stage then runs on the new code",
        cause_tag: "CodeChanged"
      }))
  })

/** Validates, hashes and commits each declared output. */
const commitOutputs = (store: Store, cache: StatCache, stage: StageDefinition<any>, outDir: string) =>
  Effect.gen(function* () {
    const outputs: Record<string, OutputRecord> = {}
    for (const [name, spec] of Object.entries(stage.outputs)) {
      const file = outputFile(outDir, name)
      const checked = yield* checkOutput(stage.name, name, spec, file)
      const before = yield* attempt(`cannot stat ${file}`, () => fs.statSync(file))
      const hash = yield* hashFileEffect(file)
      const committed = yield* store.commitObject(file, hash)
      // the object's bytes are the ones hashed only if nothing wrote to the file meanwhile
      if (!sameStat(before, yield* attempt(`cannot stat ${committed}`, () => fs.statSync(committed)))) {
        yield* store.removeObject(hash)
        return yield* new StageFailed({
          stage: stage.name, cause_tag: "OutputChanged",
          message: `output "${name}" of stage "${stage.name}" changed while it was being committed; nothing was recorded`,
          hint: "a stage must finish writing its outputs before its run returns"
        })
      }
      yield* cache.remember(committed, hash)
      outputs[name] = {
        hash, bytes: checked.bytes, ...(checked.rows !== undefined ? { rows: checked.rows } : {}),
        format: spec.format ?? "arrow", extension: spec.extension ?? (spec.format === "file" ? "bin" : "arrow"),
        ...(spec.fileName ? { fileName: spec.fileName } : {}),
        ...(spec.volatile ? { volatile: true } : {}),
        ...(spec.metrics ? { metrics: true } : {})
      }
    }
    return outputs
  })

/** Runs the stage (in-process or in a worker) and commits it; returns the new index entry. */
export const executeStage = (
  job: StageJob,
  hooks: StageHooks
): Effect.Effect<IndexEntry, StageFailed | StoreError, Store | StatCache | WorkerPool> =>
  Effect.scoped(Effect.gen(function* () {
    const store = yield* Store
    const cache = yield* StatCache
    const dir = yield* tempDir(store, job.stage.name)
    const outDir = path.join(dir, "out"), scratchDir = path.join(dir, "scratch")
    yield* attempt(`cannot create the work dirs in ${dir}`, () => {
      fs.mkdirSync(outDir)
      fs.mkdirSync(scratchDir)
    })
    const checkpointDir = yield* store.checkpointDir(job.stage.name, job.fingerprint)
    const dirs = { outputDir: outDir, scratchDir, checkpointDir }
    const inputs: Record<string, InputArtifact> = {}
    for (const [name, rec] of Object.entries(job.inputs)) inputs[name] = { ...rec, path: store.objectPath(rec.hash) }
    const provenance: Record<string, unknown> = {}
    const collect: StageHooks = { ...hooks, provenance: (facts) => void Object.assign(provenance, facts) }

    yield* checkInputs(store, cache, job, "before")
    const startedAt = new Date()
    if (job.stage.heavy) {
      const pool = yield* WorkerPool
      yield* pool.run({ type: "start", ...job.worker, stage: job.stage.name, inputs, ...dirs }, collect)
    } else {
      yield* runStageBody(job.stage, makeContext(job.stage, job.params, inputs, dirs, collect))
    }
    const finishedAt = new Date()
    yield* checkInputs(store, cache, job, "after")
    yield* checkExternal(cache, job)
    yield* checkCode(cache, job)
    const outputs = yield* commitOutputs(store, cache, job.stage, outDir)

    const entry: IndexEntry = {
      stage: job.stage.name,
      fingerprint: job.fingerprint,
      codeHash: codeHashOf(job.components),
      components: job.components,
      inputs: job.inputs,
      outputs,
      timings: { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000 },
      provenance,
      runId: job.runId,
      heavy: job.stage.heavy === true,
      runtime: runtimeFacts()
    }
    yield* store.writeIndex(entry)
    // Only after the index entry: a crash before it leaves the checkpoint for the next run.
    yield* store.removeCheckpoint(job.stage.name, job.fingerprint)
    return entry
  }))
