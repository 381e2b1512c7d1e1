/**
 * Read-only planning (for `status` and `run --dry-run`): walks the DAG in order, computing each
 * stage's fingerprint where its inputs are known, and says whether it is up to date and why not.
 */
import * as Effect from "effect/Effect"
import type { ConfigError, StoreError } from "./errors.ts"
import { fingerprintStage } from "./fingerprint.ts"
import type { IndexEntry, Sha256Hex } from "./records.ts"
import { remoteStatus } from "./remote/run-hooks.ts"
import { lookupStage } from "./reuse.ts"
import { Session, type SessionServices } from "./session.ts"
import { StatCache } from "./stat-cache.ts"
import type { StageDefinition } from "./stage.ts"

export interface StagePlan {
  readonly stage: string
  readonly upToDate: boolean
  /** Field-by-field reasons when stale; empty when up to date. */
  readonly reasons: ReadonlyArray<string>
  readonly fingerprint?: Sha256Hex
  readonly entry?: IndexEntry
  /** Where an up-to-date stage's outputs are: the local store, or only the remote cache (fetched on `run`). */
  readonly location?: "local" | "remote"
}

/** Plans `stages` (a topologically ordered subset); `force` marks stages stale regardless. */
export const planStages = (
  stages: ReadonlyArray<StageDefinition<any>>,
  force: ReadonlyArray<string> = []
): Effect.Effect<ReadonlyArray<StagePlan>, ConfigError | StoreError, SessionServices> =>
  Effect.gen(function* () {
    const session = yield* Session
    const cache = yield* StatCache
    const known = new Map<string, IndexEntry>()
    const plans: Array<StagePlan> = []
    for (const stage of stages) {
      const staleUpstream = [...new Set(Object.values(stage.inputs).map((r) => r.stage))].filter((s) => !known.has(s))
      if (staleUpstream.length > 0) {
        plans.push({ stage: stage.name, upToDate: false, reasons: staleUpstream.map((s) => `upstream "${s}" is stale (its outputs will be recomputed)`) })
        continue
      }
      const inputHashes = Object.fromEntries(Object.entries(stage.inputs).map(([local, ref]) => [local, known.get(ref.stage)!.outputs[ref.output].hash]))
      const { components, fingerprint } = yield* fingerprintStage(stage, session.loaded.config, inputHashes, cache)
      const lookup = yield* lookupStage(stage.name, fingerprint, components)
      if (lookup._tag === "Reusable" && !force.includes(stage.name)) {
        known.set(stage.name, lookup.entry)
        plans.push({ stage: stage.name, upToDate: true, reasons: [], fingerprint, entry: lookup.entry, location: "local" })
      } else {
        const reasons = lookup._tag === "Reusable" ? ["forced (--force)"] : lookup.reasons
        const remote = force.includes(stage.name) ? { _tag: "NotRemote" as const } : yield* remoteStatus(stage.name, fingerprint)
        if (remote._tag === "Remote") {
          known.set(stage.name, remote.entry)
          plans.push({ stage: stage.name, upToDate: true, reasons: [], fingerprint, entry: remote.entry, location: "remote" })
        } else {
          plans.push({ stage: stage.name, upToDate: false, reasons: remote.note ? [...reasons, remote.note] : reasons, fingerprint })
        }
      }
    }
    return plans
  })
