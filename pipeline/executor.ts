/**
 * Runs the DAG: stages start as soon as their upstream stages have committed (or were reused),
 * independent ones concurrently up to `concurrency`, the longest expected chain first when they
 * outnumber the slots; a failed stage skips only its descendants.
 */
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as os from "node:os"
import { criticalPathPriorities } from "./critical-path.ts"
import { executeStage } from "./execute-stage.ts"
import { StageFailed, type ConfigError, type GraphError, type StoreError } from "./errors.ts"
import { codeHashOf, fingerprintStage } from "./fingerprint.ts"
import { selectTargets } from "./graph.ts"
import { planStages } from "./plan.ts"
import { silentReporter, type Reporter } from "./progress.ts"
import type { IndexEntry, InputRecord, RunRecord, StageRunRecord } from "./records.ts"
import { pullFromRemote, publishToRemote } from "./remote/run-hooks.ts"
import { lookupStage } from "./reuse.ts"
import { Session, type SessionServices } from "./session.ts"
import { makePrioritySlots } from "./slots.ts"
import type { StageDefinition } from "./stage.ts"
import { guardedBy, tryStageLock, waitForStageLock, type StageLock } from "./stage-lock.ts"
import { StatCache } from "./stat-cache.ts"
import { newRunId, runtimeFacts, Store } from "./store.ts"
import { useStoreForRun } from "./store-use.ts"

export interface RunOptions {
  readonly targets?: ReadonlyArray<string>
  readonly force?: ReadonlyArray<string>
  readonly dryRun?: boolean
  readonly concurrency?: number
  readonly reporter?: Reporter
  /** Computes a stage somewhere else (the queue executor); default: here, with executeStage. */
  readonly stageRunner?: StageRunner
}

/** Runs one stage and returns its committed local entry; `publishes`: it also put it in the remote cache. */
export interface StageRunner {
  readonly run: typeof executeStage
  readonly publishes: boolean
}

type Settled = { readonly ok: true; readonly entry: IndexEntry } | { readonly ok: false }

/** A stage that ran or was reused: the entry its descendants read, and what the run record says about it. */
interface StageDone {
  readonly entry: IndexEntry
  readonly record: StageRunRecord
}

/** What the stages of one run share. */
interface RunContext {
  readonly runId: string
  readonly reporter: Reporter
  readonly runner: StageRunner
}

const localRunner: StageRunner = { run: executeStage, publishes: false }

/** Runs (or, with dryRun, plans) the selected stages; the returned record says what happened to each. */
export const runPipeline = (
  options: RunOptions = {}
): Effect.Effect<RunRecord, ConfigError | GraphError | StoreError, SessionServices> =>
  Effect.gen(function* () {
    const session = yield* Session
    const store = yield* Store
    const started = new Date()
    const runId = newRunId()
    const stages = yield* selectTargets(session.graph, options.targets ?? [])
    const force = options.force ?? []
    for (const name of force) yield* selectTargets(session.graph, [name])
    let records: ReadonlyMap<string, StageRunRecord>
    if (options.dryRun) {
      records = new Map((yield* planStages(stages, force)).map((plan): [string, StageRunRecord] => [plan.stage, plan.upToDate
        ? { outcome: "up-to-date", reasons: [], fingerprint: plan.fingerprint }
        : { outcome: "would-run", reasons: plan.reasons, fingerprint: plan.fingerprint }]))
    } else {
      // held until the run record is written: gc cannot delete what this run reuses or has just made
      yield* useStoreForRun
      const run = { runId, reporter: options.reporter ?? silentReporter, runner: options.stageRunner ?? localRunner }
      records = yield* executeAll(stages, force, run, options.concurrency)
    }
    const finished = new Date()
    const record: RunRecord = {
      runId,
      pipeline: session.definition.name,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
      ok: [...records.values()].every((r) => r.outcome !== "failed" && r.outcome !== "skipped"),
      dryRun: options.dryRun === true,
      profile: session.loaded.profile,
      config: session.loaded.raw,
      targets: options.targets ?? [],
      forced: force,
      runtime: runtimeFacts(),
      stages: Object.fromEntries(stages.map((s) => [s.name, records.get(s.name)!]))
    }
    if (!options.dryRun) yield* store.writeRun(record)
    // after the run record, and never fatal: the stat cache only saves time on the next run
    yield* (yield* StatCache).save.pipe(
      Effect.catchAll((e) => Console.error(`warning: ${e.message}; the next run re-hashes what it needs`))
    )
    return record
  }).pipe(Effect.scoped)

/** Runs the stages as their inputs become ready; each stage's record, by name. */
const executeAll = (
  stages: ReadonlyArray<StageDefinition<any>>,
  force: ReadonlyArray<string>,
  run: RunContext,
  concurrency: number | undefined
): Effect.Effect<ReadonlyMap<string, StageRunRecord>, StoreError, SessionServices> =>
  Effect.gen(function* () {
    const session = yield* Session
    const store = yield* Store
    const { reporter } = run
    const slots = yield* makePrioritySlots(concurrency ?? os.cpus().length)
    const heavyLimit = session.definition.heavyConcurrency?.(session.loaded.config)
    const heavySlots = heavyLimit === undefined ? undefined : yield* makePrioritySlots(heavyLimit)
    // a stage's last successful run (any fingerprint, any profile) is the guess of its next run time
    const lastSeconds = new Map<string, number>()
    for (const stage of stages) lastSeconds.set(stage.name, (yield* store.readHead(stage.name))?.timings.seconds ?? 0)
    const priorities = criticalPathPriorities(stages, (name) => lastSeconds.get(name)!)
    const settled = new Map<string, Deferred.Deferred<Settled>>()
    for (const stage of stages) settled.set(stage.name, yield* Deferred.make<Settled>())

    const settle = (stage: StageDefinition<any>, result: Settled) => Deferred.succeed(settled.get(stage.name)!, result)
    // what runOrReuse returns from a slot: a result to publish, or "wait" (another run holds the stage's lock)
    const settleIfDone = (stage: StageDefinition<any>) => (step: StageDone | "wait") =>
      step === "wait" ? Effect.void : settle(stage, { ok: true, entry: step.entry })
    const failure = (stage: StageDefinition<any>, error: StageFailed | ConfigError | StoreError) =>
      Effect.sync((): StageRunRecord => {
        const message = error.message
        reporter.stageEnd(stage.name, "failed", `${message}${"hint" in error && error.hint ? `\n  hint: ${error.hint}` : ""}`)
        return { outcome: "failed", reasons: [message], error: errorFacts(error) }
      })

    const one = (stage: StageDefinition<any>) =>
      Effect.gen(function* () {
        const upstream = [...new Set(Object.values(stage.inputs).map((r) => r.stage))]
        const results = new Map<string, Settled>()
        for (const name of upstream) results.set(name, yield* Deferred.await(settled.get(name)!))
        const failed = upstream.filter((name) => !results.get(name)!.ok)
        if (failed.length > 0) {
          const reasons = failed.map((name) => `upstream "${name}" failed`)
          reporter.stageEnd(stage.name, "skipped", reasons.join("; "))
          yield* settle(stage, { ok: false })
          return { outcome: "skipped", reasons } as StageRunRecord
        }
        const inputs: Record<string, InputRecord> = {}
        for (const [local, ref] of Object.entries(stage.inputs)) {
          const entry = (results.get(ref.stage) as { entry: IndexEntry }).entry
          inputs[local] = { stage: ref.stage, output: ref.output, hash: entry.outputs[ref.output].hash }
        }
        // The lookup holds a slot too, so stages that became ready together compete by priority; the
        // result is published before the slot is given back, so the stages it unblocks compete as well.
        const inSlot: InSlot = (effect) => {
          const priority = priorities.get(stage.name)!
          const held = slots.withSlot(priority)(effect.pipe(Effect.tap(settleIfDone(stage))))
          // a heavy stage first waits for a heavy slot, holding no ordinary one meanwhile
          return stage.heavy && heavySlots ? heavySlots.withSlot(priority)(held) : held
        }
        return yield* runOrReuse({ stage, inputs, forced: force.includes(stage.name), inSlot }, run).pipe(
          Effect.map((done) => done.record),
          // a failure is published at once, without waiting for a slot: its descendants only need skipping
          Effect.catchAll((error) => Effect.tap(failure(stage, error), () => settle(stage, { ok: false })))
        )
      })

    const records = yield* Effect.forEach(stages, one, { concurrency: "unbounded" }).pipe(
      Effect.ensuring(Effect.sync(() => reporter.close()))
    )
    return new Map(stages.map((stage, i) => [stage.name, records[i]]))
  })

const errorFacts = (error: { _tag: string; message: string; hint?: string }) => ({
  _tag: error._tag === "StageFailed" ? (error as StageFailed).cause_tag : error._tag,
  message: error.message,
  ...(error.hint ? { hint: error.hint } : {})
})

/** Runs an effect of a stage in a slot by the stage's priority (and settles the stage from there when it is done). */
type InSlot = <A extends StageDone | "wait", E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** One stage whose inputs are ready. */
interface StageTask {
  readonly stage: StageDefinition<any>
  readonly inputs: Record<string, InputRecord>
  readonly forced: boolean
  readonly inSlot: InSlot
}

/**
 * Fingerprints a stage, reuses its entry if valid, else takes its lock and computes it. The work happens
 * in `inSlot`; while another run holds the stage's lock, this one waits without a slot, so its other
 * stages can use it.
 */
const runOrReuse = (
  { stage, inputs, forced, inSlot }: StageTask,
  { runId, reporter, runner }: RunContext
): Effect.Effect<StageDone, StageFailed | ConfigError | StoreError, SessionServices> =>
  Effect.scoped(Effect.gen(function* () {
    const session = yield* Session
    const store = yield* Store
    const cache = yield* StatCache
    const inputHashes = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.hash]))
    const { params, components, fingerprint } = yield* fingerprintStage(stage, session.loaded.config, inputHashes, cache)
    const lockTarget = store.lockTarget(stage.name, fingerprint)
    const base = { fingerprint, codeHash: codeHashOf(components), params: params.encoded, code: components.code }
    const warn = (line: string) => reporter.log(stage.name, line)
    const reuse = (entry: IndexEntry, reasons: Array<string>) =>
      Effect.gen(function* () {
        reporter.stageEnd(stage.name, "cached", reasons.join("; "))
        // HEAD tracks the newest successful entry; skip the fsync'd write when it already points here
        if ((yield* store.readHead(stage.name))?.fingerprint !== entry.fingerprint) yield* store.writeHead(entry)
        yield* exportOutputs(entry)
        yield* publishToRemote(entry, "if-missing", warn)
        return { entry, record: { outcome: "cached", reasons, ...base, outputs: entry.outputs } } satisfies StageDone
      })

    /** With the stage's lock held: reuse what a concurrent run may have just committed, else compute. */
    const compute = (lock: StageLock) => guardedBy(lock, Effect.gen(function* () {
      const lookup = yield* lookupStage(stage.name, fingerprint, components)
      if (lookup._tag === "Reusable" && !forced) return yield* reuse(lookup.entry, ["computed by a concurrent run"])
      const pulled = forced ? undefined : yield* pullFromRemote(stage.name, fingerprint, warn)
      if (pulled) return yield* reuse(pulled, ["fetched from the remote cache"])
      const reasons = forced ? ["forced (--force)"] : [...(lookup as { reasons: ReadonlyArray<string> }).reasons]
      // a corrupted object must go before the rerun can commit a good copy under the same hash
      if (lookup._tag === "Stale") for (const hash of lookup.corrupted) yield* store.removeObject(hash)
      reporter.stageStart(stage.name, reasons)
      const entry = yield* runner.run({
        stage, params: params.decoded, fingerprint, components, inputs, runId,
        worker: { definitionModule: session.definition.module, definitionName: session.definition.name, config: session.loaded.raw }
      }, {
        progress: (done, total, note) => reporter.progress(stage.name, done, total, note),
        log: (message) => reporter.log(stage.name, message),
        provenance: () => undefined
      })
      yield* store.writeHead(entry)
      yield* exportOutputs(entry)
      if (!runner.publishes) yield* publishToRemote(entry, "always", warn)
      reporter.stageEnd(stage.name, "ran", `${entry.timings.seconds.toFixed(2)}s`)
      return { entry, record: { outcome: "ran", reasons, ...base, outputs: entry.outputs, seconds: entry.timings.seconds } } satisfies StageDone
    }))

    const first = yield* inSlot(Effect.gen(function* () {
      // a forced stage never reuses: compute's lookup, under the lock, is the only one it needs
      if (!forced) {
        const lookup = yield* lookupStage(stage.name, fingerprint, components)
        if (lookup._tag === "Reusable") return yield* reuse(lookup.entry, ["fingerprint unchanged"])
      }
      const lock = yield* tryStageLock(lockTarget)
      return lock === undefined ? "wait" as const : yield* compute(lock)
    }))
    if (first !== "wait") return first
    reporter.log(stage.name, "another run is computing this stage; waiting for it (other stages take this slot meanwhile)")
    const lock = yield* waitForStageLock(lockTarget)
    return yield* inSlot(compute(lock))
  }))

/** Points latest/<stage>/<file> at the entry's objects (no-op when it already does). */
const exportOutputs = (entry: IndexEntry) =>
  Effect.flatMap(Store, (store) =>
    Effect.forEach(Object.entries(entry.outputs), ([name, out]) =>
      store.exportLatest(entry.stage, out.fileName ?? `${name}.${out.extension}`, out.hash), { discard: true }))
