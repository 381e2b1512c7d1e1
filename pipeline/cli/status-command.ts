/** `status`: each stage up to date or stale, and why, field by field. */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { planStages } from "../plan.ts"
import type { PipelineDefinition } from "../stage.ts"
import { jsonOption, sessionFrom, sessionOptions, toJson } from "./options.ts"

export const statusCommand = (definition: PipelineDefinition<any>) =>
  Command.make("status", { ...sessionOptions, json: jsonOption }, (args) =>
    Effect.gen(function* () {
      const session = yield* sessionFrom(definition, args)
      const plans = yield* planStages(session, session.graph.order)
      if (args.json) {
        return yield* Console.log(toJson(plans.map(({ stage, upToDate, reasons, fingerprint }) => ({ stage, upToDate, reasons, fingerprint }))))
      }
      for (const plan of plans) {
        yield* Console.log(plan.upToDate ? `${plan.stage}: up to date` : `${plan.stage}: stale\n${plan.reasons.map((r) => `    - ${r}`).join("\n")}`)
      }
    })
  ).pipe(Command.withDescription("which stages are up to date, and why the others are stale"))
