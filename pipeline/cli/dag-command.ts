/** `dag`: the stage graph as text, or as Mermaid with --mermaid. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { renderMermaid, renderText } from "../graph.ts"
import type { PipelineDefinition } from "../stage.ts"
import { configOption, profileOption, setOption } from "./options.ts"
import { buildGraph } from "../graph.ts"
import { loadConfig } from "../config.ts"
import * as Option from "effect/Option"

export const dagCommand = (definition: PipelineDefinition<any>) =>
  Command.make("dag", {
    config: configOption, profile: profileOption, set: setOption,
    mermaid: Options.boolean("mermaid").pipe(Options.withDescription("print a Mermaid flowchart"))
  }, (args) =>
    Effect.gen(function* () {
      const loaded = yield* loadConfig(definition, {
        configPath: Option.getOrUndefined(args.config), profile: Option.getOrUndefined(args.profile), sets: args.set
      })
      const graph = yield* buildGraph(definition.stages(loaded.config))
      yield* Console.log(args.mermaid ? renderMermaid(graph) : renderText(graph))
    })
  ).pipe(Command.withDescription("print the stage graph"))
