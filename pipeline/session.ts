/** What every command needs: the decoded config, the validated graph, the store and a stat cache. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { loadConfig, type ConfigSource, type LoadedConfig } from "./config.ts"
import type { ConfigError, GraphError, StoreError } from "./errors.ts"
import { buildGraph, type StageGraph } from "./graph.ts"
import type { RemoteCache } from "./remote/remote-cache.ts"
import type { PipelineDefinition } from "./stage.ts"
import { openStatCache, type StatCache } from "./stat-cache.ts"
import { openStore, type Store } from "./store.ts"

export interface Session<C = unknown> {
  readonly definition: PipelineDefinition<C>
  readonly loaded: LoadedConfig<C>
  readonly graph: StageGraph
  readonly store: Store
  readonly cache: StatCache
  /** The shared cache (`--remote`): pulled from on a local miss, published to after a stage commits. */
  readonly remote?: RemoteCache
}

export interface SessionOptions extends ConfigSource {
  readonly store: string
}

/** Loads config, builds the graph and opens the store. */
export const openSession = <C>(
  definition: PipelineDefinition<C>,
  options: SessionOptions
): Effect.Effect<Session<C>, ConfigError | GraphError | StoreError> =>
  Effect.gen(function* () {
    const loaded = yield* loadConfig(definition, options)
    const graph = yield* buildGraph(definition.stages(loaded.config))
    const store = yield* openStore(options.store)
    const cache = yield* openStatCache(store.statCacheFile)
    if (cache.warning) yield* Console.error(cache.warning)
    return { definition, loaded, graph, store, cache }
  })
