/** The JSON records the store keeps: per-stage index entries and per-run records. */
import type { FingerprintComponents } from "./fingerprint.ts"

export interface OutputRecord {
  readonly hash: string
  readonly bytes: number
  /** Row count for Arrow outputs. */
  readonly rows?: number
  readonly format: "arrow" | "file"
  readonly extension: string
  /** Name of its export under latest/<stage>/. */
  readonly fileName?: string
  /** Holds run measurements (timings): not expected to be byte-identical on a rerun. */
  readonly volatile?: boolean
}

export interface InputRecord {
  readonly stage: string
  readonly output: string
  readonly hash: string
}

export interface RuntimeFacts {
  readonly node: string
  readonly platform: string
  readonly arch: string
  readonly cpus: number
  readonly cpuModel: string
}

/** A completed stage: written only after all its outputs are committed objects. */
export interface IndexEntry {
  readonly stage: string
  readonly fingerprint: string
  readonly codeHash: string
  readonly components: FingerprintComponents
  readonly inputs: Readonly<Record<string, InputRecord>>
  readonly outputs: Readonly<Record<string, OutputRecord>>
  readonly timings: { readonly startedAt: string; readonly finishedAt: string; readonly seconds: number }
  readonly provenance: Readonly<Record<string, unknown>>
  readonly runId: string
  readonly heavy: boolean
  readonly runtime: RuntimeFacts
}

export type StageOutcome = "ran" | "cached" | "failed" | "skipped" | "would-run" | "up-to-date"

export interface StageRunRecord {
  readonly outcome: StageOutcome
  /** Why it ran (what changed) or why it was cached / skipped. */
  readonly reasons: ReadonlyArray<string>
  readonly fingerprint?: string
  readonly codeHash?: string
  readonly params?: unknown
  readonly code?: Readonly<Record<string, string>>
  readonly outputs?: Readonly<Record<string, OutputRecord>>
  readonly seconds?: number
  readonly error?: { readonly _tag: string; readonly message: string; readonly hint?: string }
}

export interface RunRecord {
  readonly runId: string
  readonly pipeline: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly seconds: number
  readonly ok: boolean
  readonly dryRun: boolean
  readonly profile?: string
  readonly config: unknown
  readonly targets: ReadonlyArray<string>
  readonly forced: ReadonlyArray<string>
  readonly runtime: RuntimeFacts
  readonly stages: Readonly<Record<string, StageRunRecord>>
}
