/** Options shared by the subcommands (config source, store, --json) and opening a session from them. */
import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ConfigError } from "../errors.ts"
import type { RemoteCache } from "../remote/remote-cache.ts"
import { sessionLayer } from "../session.ts"
import type { PipelineDefinition } from "../stage.ts"

export const configOption = Options.text("config").pipe(
  Options.withDescription("config file (JSON or YAML); default: the pipeline's built-in config"),
  Options.optional
)
export const profileOption = Options.text("profile").pipe(Options.withDescription("named profile merged over the config"), Options.optional)
export const setOption = Options.text("set").pipe(
  Options.withDescription("override: key.path=value (value parsed as JSON when it parses); repeatable"),
  Options.repeated
)
export const storeOption = Options.text("store").pipe(Options.withDescription("artifact store directory"), Options.withDefault("artifacts"))
export const jsonOption = Options.boolean("json").pipe(Options.withDescription("machine-readable JSON output"))

export const sessionOptions = { config: configOption, profile: profileOption, set: setOption, store: storeOption }

export interface SessionArgs {
  readonly config: Option.Option<string>
  readonly profile: Option.Option<string>
  readonly set: ReadonlyArray<string>
  readonly store: string
}

/** The session (config, graph, store, stat cache and, given an opener, the remote cache) the options describe, as a layer. */
export const sessionLayerFrom = <C>(
  definition: PipelineDefinition<C>,
  args: SessionArgs,
  remote?: Effect.Effect<RemoteCache, ConfigError, Scope.Scope>
) =>
  sessionLayer(definition, {
    configPath: Option.getOrUndefined(args.config),
    profile: Option.getOrUndefined(args.profile),
    sets: args.set,
    store: args.store,
    ...(remote ? { remote } : {})
  })

/** JSON for `--json` output. */
export const toJson = (value: unknown): string => JSON.stringify(value, null, 2)
