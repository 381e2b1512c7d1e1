/**
 * What every command works in, as services: the Session (decoded config, validated graph, remote
 * cache), the Store and its StatCache, and the pool of worker processes that run heavy stages. The CLI provides `sessionLayer` (or `storeLayer`) once per
 * command; the runner's code takes them from the context.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { loadConfig, type ConfigSource, type LoadedConfig } from "./config.ts"
import type { ConfigError, GraphError, StoreError } from "./errors.ts"
import { buildGraph, type StageGraph } from "./graph.ts"
import type { RemoteCache } from "./remote/remote-cache.ts"
import type { PipelineDefinition } from "./stage.ts"
import { StatCache } from "./stat-cache.ts"
import { Store } from "./store.ts"
import { WorkerPool } from "./worker-process.ts"

export interface SessionApi {
  readonly definition: PipelineDefinition<any>
  readonly loaded: LoadedConfig<any>
  readonly graph: StageGraph
  /** The shared cache (`--remote`): pulled from on a local miss, published to after a stage commits. */
  readonly remote?: RemoteCache
}

/** The run session: the pipeline, its decoded config and graph, and the remote cache if there is one. */
export class Session extends Context.Tag("seed/Session")<Session, SessionApi>() {}

/** The services a pipeline command runs in. */
export type SessionServices = Session | Store | StatCache | WorkerPool

export interface SessionOptions extends ConfigSource {
  readonly store: string
  /** Opens the remote cache (`--remote`); it is closed with the layer. */
  readonly remote?: Effect.Effect<RemoteCache, ConfigError, Scope.Scope>
}

/** The store at `root` and its stat cache (whose unreadable-file warning is printed once, here). */
export const storeLayer = (root: string): Layer.Layer<Store | StatCache, StoreError> =>
  Layer.unwrapEffect(Effect.map(Store, (store) => StatCache.Default(store.statCacheFile))).pipe(
    Layer.provideMerge(Store.Default(root))
  )

/**
 * Loads the config and builds the graph (so that a bad config fails before the store is created),
 * then opens the store, its stat cache and the remote cache.
 */
export const sessionLayer = <C>(
  definition: PipelineDefinition<C>,
  options: SessionOptions
): Layer.Layer<SessionServices, ConfigError | GraphError | StoreError> =>
  Layer.scopedContext(Effect.gen(function* () {
    const loaded = yield* loadConfig(definition, options)
    const graph = yield* buildGraph(definition.stages(loaded.config))
    const stored = yield* Layer.build(Layer.merge(storeLayer(options.store), WorkerPool.Default))
    const remote = options.remote ? yield* options.remote : undefined
    return Context.add(stored, Session, { definition, loaded, graph, ...(remote ? { remote } : {}) })
  }))
