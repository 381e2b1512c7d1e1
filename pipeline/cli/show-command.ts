/** `show <stage>`: provenance of a stage's current outputs (or of its last successful run if stale). */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { UsageError } from "../errors.ts"
import { selectTargets } from "../graph.ts"
import { planStages } from "../plan.ts"
import type { IndexEntry, Sha256Hex } from "../records.ts"
import type { PipelineDefinition } from "../stage.ts"
import { Session } from "../session.ts"
import { Store } from "../store.ts"
import { jsonOption, sessionLayerFrom, sessionOptions, toJson } from "./options.ts"
import { shortHash } from "../format.ts"

const render = (entry: IndexEntry, upToDate: boolean, objectPath: (h: Sha256Hex) => string): string => {
  const lines = [
    `stage ${entry.stage} (${upToDate ? "up to date" : "STALE: showing its last successful run"})`,
    `  fingerprint ${entry.fingerprint}`,
    `  run ${entry.runId}, ${entry.timings.startedAt} .. ${entry.timings.finishedAt} (${entry.timings.seconds.toFixed(3)}s${entry.heavy ? ", worker process" : ""})`,
    `  runtime node ${entry.runtime.node} ${entry.runtime.platform}/${entry.runtime.arch}, ${entry.runtime.cpus} x ${entry.runtime.cpuModel}`,
    `  params ${JSON.stringify(entry.components.params)}`,
    "  inputs:",
    ...Object.entries(entry.inputs).map(([k, i]) => `    ${k} = ${i.stage}.${i.output}  ${i.hash}`),
    "  outputs:",
    ...Object.entries(entry.outputs).map(([k, o]) =>
      `    ${k}  ${o.hash}  ${o.bytes} bytes${o.rows !== undefined ? `, ${o.rows} rows` : ""}\n      ${objectPath(o.hash)}`),
    `  code hash ${entry.codeHash}`,
    ...Object.entries(entry.components.code).map(([f, h]) => `    ${shortHash(h)}  ${f}`),
    "  packages:",
    ...Object.entries(entry.components.packages).map(([p, v]) => `    ${p}@${v}`),
    ...(Object.keys(entry.provenance).length ? ["  provenance:", ...Object.entries(entry.provenance).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)] : [])
  ]
  return lines.join("\n")
}

export const showCommand = (definition: PipelineDefinition<any>) =>
  Command.make("show", { ...sessionOptions, json: jsonOption, stage: Args.text({ name: "stage" }) }, (args) =>
    Effect.gen(function* () {
      const session = yield* Session
      const store = yield* Store
      const stages = yield* selectTargets(session.graph, [args.stage])
      const plan = (yield* planStages(stages)).find((p) => p.stage === args.stage)!
      const entry = plan.entry ?? (yield* store.readHead(args.stage))
      if (!entry) {
        return yield* new UsageError({ message: `stage "${args.stage}" has never completed in store ${store.root}`, hint: `run \`pipeline run ${args.stage}\` first` })
      }
      yield* Console.log(args.json ? toJson({ upToDate: plan.upToDate, staleReasons: plan.reasons, ...entry }) : render(entry, plan.upToDate, store.objectPath))
    }).pipe(Effect.provide(sessionLayerFrom(definition, args)))
  ).pipe(Command.withDescription("provenance of a stage's outputs"))
