/** `status`: each stage up to date or stale, and why, field by field. */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { planStages } from "../plan.ts"
import type { PipelineDefinition } from "../stage.ts"
import { Session } from "../session.ts"
import { jsonOption, sessionLayerFrom, sessionOptions, toJson } from "./options.ts"
import { remoteOpener, remoteOption } from "./remote-options.ts"

/** Says where an up-to-date stage is only when there is a remote cache to tell apart from the local store. */
const upToDateWhere = (location: "local" | "remote" | undefined, hasRemote: boolean) =>
  !hasRemote ? "" : location === "remote" ? " in the remote cache (fetched on run)" : " locally"

export const statusCommand = (definition: PipelineDefinition<any>) =>
  Command.make("status", { ...sessionOptions, json: jsonOption, remote: remoteOption }, (args) =>
    Effect.gen(function* () {
      const session = yield* Session
      const plans = yield* planStages(session.graph.order)
      if (args.json) {
        return yield* Console.log(toJson(plans.map(({ stage, upToDate, reasons, fingerprint, location }) => ({ stage, upToDate, ...(location ? { location } : {}), reasons, fingerprint }))))
      }
      for (const plan of plans) {
        yield* Console.log(plan.upToDate ? `${plan.stage}: up to date${upToDateWhere(plan.location, session.remote !== undefined)}` : `${plan.stage}: stale\n${plan.reasons.map((r) => `    - ${r}`).join("\n")}`)
      }
    }).pipe(Effect.provide(sessionLayerFrom(definition, args, remoteOpener(args.remote))))
  ).pipe(Command.withDescription("which stages are up to date, and why the others are stale"))
