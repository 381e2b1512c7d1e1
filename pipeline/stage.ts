/**
 * The stage contract: what a pipeline stage declares and what it receives when it runs.
 * The runner knows nothing about the domain; a stage is data (name, inputs, params, outputs)
 * plus a `run` Effect that reads its inputs and writes its outputs to the paths it is given.
 */
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as Arrow from "apache-arrow"

/** A reference to an output of another stage: `{ stage: "split", output: "train" }`. */
export interface OutputRef {
  readonly stage: string
  readonly output: string
}

/** How an output is stored: an Arrow IPC file (validated after the run) or an opaque file (a report). */
export interface OutputSpec {
  readonly description: string
  /** "arrow" (default): an Arrow IPC *file*; the runner checks it opens and counts its rows. */
  readonly format?: "arrow" | "file"
  /** File extension used when the output is exported to `latest/` (default "arrow"). */
  readonly extension?: string
  /** File name under `latest/<stage>/` (default `<output>.<extension>`), e.g. "report.md". */
  readonly fileName?: string
  /**
   * The output records measurements of the run itself (wall times, images/s), so identical reruns
   * give other bytes. `audit --rerun` lists it apart and does not count it against reproducibility.
   */
  readonly volatile?: boolean
  /**
   * The output holds the stage's headline numbers: an Arrow table whose first row's numeric columns
   * are the metrics, or (format "file") a JSON object of numbers, nested objects giving dotted names.
   * `diff` shows how each moved between two runs.
   */
  readonly metrics?: boolean
  /** Expected Arrow schema: field names in order; the runner rejects an output that differs. */
  readonly fields?: ReadonlyArray<string>
}

/** An input artifact as the running stage sees it: an immutable file in the store. */
export interface InputArtifact {
  readonly stage: string
  readonly output: string
  /** Absolute path of the content-addressed object (read-only). */
  readonly path: string
  /** sha256 of the object's bytes. */
  readonly hash: string
}

/** Everything a stage's `run` receives. */
export interface StageContext<P> {
  readonly stage: string
  readonly params: P
  readonly inputs: Readonly<Record<string, InputArtifact>>
  /** Absolute path where output `name` must be written; the runner hashes and commits it afterwards. */
  readonly outputPath: (name: string) => string
  /** A private scratch directory, removed after the stage ends. */
  readonly scratchDir: string
  /**
   * A directory private to this stage and fingerprint that survives a failed or killed run: a long
   * stage saves resumable state here, and a rerun with the same fingerprint finds it. Removed once
   * the stage's outputs are committed.
   */
  readonly checkpointDir: string
  /** Reports progress (done of total units, with an optional short note such as "epoch 2 loss 0.41"). */
  readonly progress: (done: number, total: number, note?: string) => Effect.Effect<void>
  readonly log: (message: string) => Effect.Effect<void>
  /** Facts the stage wants in its provenance record (backend, thread count...): JSON values. */
  readonly recordProvenance: (facts: Record<string, unknown>) => Effect.Effect<void>
}

/**
 * An error a stage fails with. Any `Data.TaggedError` whose fields include `message`
 * (what went wrong, where) and optionally `hint` (how to fix it) qualifies.
 */
export interface StageError {
  readonly _tag: string
  readonly message: string
  readonly hint?: string
}

/** A declared stage. `P` is the decoded params slice, `C` the decoded config it is selected from. */
export interface StageDefinition<P = any, C = any> {
  /** Unique name; fan-out instances use "template:key" (e.g. "pretrain:contrastive"). */
  readonly name: string
  /** `import.meta.url` of the module that defines `run`: the runner hashes it and its local imports. */
  readonly module: string
  /** Schema of the params slice; only the encoded slice is hashed into the fingerprint. */
  readonly params: Schema.Schema<P, any>
  /** Picks this stage's slice out of the whole decoded config (the runner encodes it with `params`). */
  readonly selectParams: (config: C) => unknown
  /** Local input name -> upstream output. */
  readonly inputs: Readonly<Record<string, OutputRef>>
  /**
   * Files outside the store that `run` reads (a dataset), listed from the decoded params without
   * reading them: label -> files (one, or a group such as a class folder's images). Their content is
   * hashed into the fingerprint, so other bytes at the same path rerun the stage. May throw when
   * they cannot be listed: the stage is then stale and `run` reports the problem.
   */
  readonly externalFiles?: (params: P) => Readonly<Record<string, ReadonlyArray<string>>>
  readonly outputs: Readonly<Record<string, OutputSpec>>
  /** Heavy stages run in their own worker process (so independent ones use all cores). */
  readonly heavy?: boolean
  readonly run: (ctx: StageContext<P>) => Effect.Effect<void, StageError>
}

/** Identity helper that keeps `P` inferred from the params schema. */
export const defineStage = <P, C = any>(definition: StageDefinition<P, C>): StageDefinition<P, C> => definition

/**
 * Declarative fan-out: one stage per entry of a config list. Each stage names itself (e.g.
 * "pretrain:<method>"), so its downstream stages can refer to it; the graph check rejects duplicates.
 */
export const fanOut = <T>(
  items: ReadonlyArray<T>,
  instantiate: (item: T) => StageDefinition<any>
): ReadonlyArray<StageDefinition<any>> => items.map((item) => instantiate(item))

/** A whole pipeline: how to decode the config and which stages it declares for a given config. */
export interface PipelineDefinition<C = any> {
  readonly name: string
  /** `import.meta.url` of the module exporting this definition (workers re-import it). */
  readonly module: string
  readonly config: Schema.Schema<C, any>
  /** Named partial configs merged over the base config (`--profile`). */
  readonly profiles: Readonly<Record<string, unknown>>
  readonly defaultProfile?: string
  /** The base config used when no `--config` file is given. */
  readonly defaultConfig: unknown
  readonly stages: (config: C) => ReadonlyArray<StageDefinition<any>>
  /**
   * At most this many heavy stages run at once, whatever `--concurrency` says (e.g. because each
   * uses several threads, and more busy threads than cores slow everything down). Default: no limit.
   */
  readonly heavyConcurrency?: (config: C) => number
}

export const definePipeline = <C>(definition: PipelineDefinition<C>): PipelineDefinition<C> => definition

/** Re-exported so stage modules need only this file for Arrow typing of outputs. */
export type ArrowTable = Arrow.Table
