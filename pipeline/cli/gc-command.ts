/** `gc [--keep N] [--yes]`: lists (or with --yes deletes) what no kept run or index entry refers to. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { mebibytes } from "../format.ts"
import { openStore } from "../store.ts"
import { storeOption } from "./options.ts"
import { shortHash } from "../format.ts"

// loaded when the command runs: `run` (the hot path) never pays for it
const implementation = Effect.promise(() => import("../gc.ts"))

export const gcCommand = () =>
  Command.make("gc", {
    store: storeOption,
    keep: Options.integer("keep").pipe(Options.withDescription("number of newest runs to keep"), Options.withDefault(5)),
    yes: Options.boolean("yes").pipe(Options.withDescription("really delete (default: only list)"))
  }, (args) =>
    Effect.gen(function* () {
      const { collectGarbage } = yield* implementation
      const store = yield* openStore(args.store)
      const plan = yield* collectGarbage(store, { keep: args.keep, apply: args.yes })
      const bytes = plan.objects.reduce((n, o) => n + o.bytes, 0)
      const verb = args.yes ? "removed" : "would remove"
      for (const id of plan.runs) yield* Console.log(`${verb} run ${id}`)
      for (const e of plan.indexEntries) yield* Console.log(`${verb} index ${e.stage}/${shortHash(e.fingerprint)}`)
      for (const o of plan.objects) yield* Console.log(`${verb} object ${shortHash(o.hash)} (${o.bytes} bytes)`)
      for (const c of plan.checkpoints) {
        yield* Console.log(`${verb} checkpoint ${c.stage}/${shortHash(c.fingerprint)} (${c.bytes} bytes): ${c.reason}`)
      }
      const checkpointBytes = plan.checkpoints.reduce((n, c) => n + c.bytes, 0)
      yield* Console.log(
        `${verb}: ${plan.runs.length} runs, ${plan.indexEntries.length} index entries, ${plan.objects.length} objects (${mebibytes(bytes)}), ` +
          `${plan.checkpoints.length} checkpoints (${mebibytes(checkpointBytes)})${args.yes ? "" : "; pass --yes to delete"}`
      )
    })
  ).pipe(Command.withDescription("remove artifacts no kept run refers to"))
