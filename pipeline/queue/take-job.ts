/**
 * What a `pipeline worker` does with one job: rebuild the stage from the job's config with its own copy
 * of the definition, check that its fingerprint is the coordinator's (same code, packages, params,
 * inputs), fetch the inputs from the remote cache (re-hashed), compute the stage (heavy stages in a
 * child process, so that BullMQ's lock renewal in this event loop never starves), and publish
 * outputs and the signed entry. At-least-once delivery is harmless: a stage already in the store or the remote cache
 * is not computed again.
 */
import * as Effect from "effect/Effect"
import { codeFingerprint } from "../code-hash.ts"
import { decodeConfig, loadConfig } from "../config.ts"
import { StageFailed, type ConfigError, type StoreError } from "../errors.ts"
import { executeStage } from "../execute-stage.ts"
import { explainChange, fingerprintStage } from "../fingerprint.ts"
import type { IndexEntry } from "../records.ts"
import type { RemoteCache } from "../remote/remote-cache.ts"
import type { RemoteError } from "../remote/remote-errors.ts"
import { ensurePublished, pullObjects, pullStage } from "../remote/remote-sync.ts"
import { lookupStage } from "../reuse.ts"
import type { PipelineDefinition } from "../stage.ts"
import type { StageHooks } from "../stage-context.ts"
import { waitForStageLock } from "../stage-lock.ts"
import { StatCache } from "../stat-cache.ts"
import type { WorkerPool } from "../worker-process.ts"
import { Store } from "../store.ts"
import type { StageJobData } from "./stage-job.ts"

/** What a worker takes jobs with (the store and its stat cache come from the context). */
export interface WorkerContext {
  readonly definition: PipelineDefinition<any>
  readonly remote: RemoteCache
}

const refuse = (stage: string, message: string, hint: string) => new StageFailed({ stage, message, hint, cause_tag: REFUSED })

export type Taken = { readonly how: "computed" | "already in the local store" | "already in the remote cache"; readonly entry: IndexEntry }

/** Refused for good: retrying elsewhere would fail the same way. */
export const REFUSED = "JobRefused"

/** Processes one job; StageFailed is final (the stage's own failure or a refused job), RemoteError and StoreError may pass. */
export const takeJob = (
  ctx: WorkerContext,
  data: StageJobData,
  hooks: StageHooks
): Effect.Effect<Taken, StageFailed | ConfigError | StoreError | RemoteError, Store | StatCache | WorkerPool> =>
  Effect.scoped(Effect.gen(function* () {
    const { definition, remote } = ctx
    const store = yield* Store
    const cache = yield* StatCache
    if (data.definitionName !== definition.name) {
      return yield* refuse(data.stage, `job for pipeline "${data.definitionName}" reached a worker of "${definition.name}"`, "give each pipeline its own --queue")
    }
    const hashes = [data.fingerprint, ...Object.values(data.inputs).map((i) => i.hash)]
    if (!hashes.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/u.test(h))) {
      return yield* refuse(data.stage, "job holds a fingerprint or input hash that is not 64 hex digits", "only `pipeline run --executor queue` should add jobs to this queue")
    }
    const config = yield* decodeConfig(definition, data.config)
    const stage = definition.stages(config).find((s) => s.name === data.stage)
    if (!stage) return yield* refuse(data.stage, `this worker's definition has no stage "${data.stage}" for the job's config`, "run workers from the same commit as the coordinator")
    const inputHashes = Object.fromEntries(Object.entries(data.inputs).map(([k, v]) => [k, v.hash]))
    const { params, components, fingerprint } = yield* fingerprintStage(stage, config, inputHashes, cache)
    if (fingerprint !== data.fingerprint) {
      return yield* refuse(
        data.stage,
        `this worker fingerprints stage "${data.stage}" differently from the coordinator: ${explainChange(data.components, components).join("; ")}`,
        "run workers from the same commit and lockfile as the coordinator (pnpm install --frozen-lockfile)"
      )
    }
    yield* waitForStageLock(store.lockTarget(stage.name, fingerprint))

    const local = yield* lookupStage(stage.name, fingerprint, components)
    if (local._tag === "Reusable") {
      yield* ensurePublished(remote, store, local.entry)
      return { how: "already in the local store", entry: local.entry } as Taken
    }
    const pulled = yield* pullStage(remote, store, cache, stage.name, fingerprint)
    if (pulled._tag === "Pulled") return { how: "already in the remote cache", entry: pulled.entry } as Taken
    if (pulled._tag === "Rejected") hooks.log(`warning: ${pulled.reason}; computing it here`)

    const missing = yield* pullObjects(remote, store, cache, Object.entries(data.inputs).map(([name, input]) => [`input ${name} (${input.stage}.${input.output})`, input.hash]))
    if (missing) return yield* refuse(data.stage, missing, "the coordinator publishes every stage it reuses; rerun it with the same --remote")
    if (local._tag === "Stale") for (const hash of local.corrupted) yield* store.removeObject(hash)

    // heavy stages run in their own process, as on one machine: their CPU-bound work never blocks
    // this event loop, where BullMQ renews the job's lock (light stages are declared quick)
    const entry = yield* executeStage({
      stage, params: params.decoded, fingerprint, components, inputs: data.inputs, runId: data.runId,
      worker: { definitionModule: definition.module, definitionName: definition.name, config: data.config }
    }, hooks)
    yield* store.writeHead(entry)
    yield* remote.publish(store, entry)
    return { how: "computed", entry } as Taken
  }))

/**
 * Hashes the code of the definition's stages (default config) once before taking jobs: the first
 * fingerprint loads the TypeScript parser synchronously, which, inside a job, could outlast BullMQ's
 * lock and hand the job to a second worker. Best effort: a failure only loses the head start.
 */
export const warmUp = (ctx: WorkerContext): Effect.Effect<void, never, StatCache> =>
  Effect.gen(function* () {
    const cache = yield* StatCache
    const loaded = yield* loadConfig(ctx.definition, {})
    for (const stage of ctx.definition.stages(loaded.config)) yield* codeFingerprint(stage.module, cache)
    yield* cache.save
  }).pipe(Effect.ignore)
