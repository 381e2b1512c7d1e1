/** `diff <runA> <runB>`: params, code and artifact hashes that differ between two runs. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { openStore } from "../store.ts"
import { jsonOption, storeOption, toJson } from "./options.ts"

// loaded when the command runs: `run` (the hot path) never pays for it
const implementation = Effect.promise(() => Promise.all([import("../run-diff.ts"), import("../run-select.ts")]))

export const diffCommand = () =>
  Command.make("diff", {
    store: storeOption,
    json: jsonOption,
    a: Args.text({ name: "runA" }),
    b: Args.text({ name: "runB" })
  }, (args) =>
    Effect.gen(function* () {
      const [{ diffRuns }, { resolveRun }] = yield* implementation
      const store = yield* openStore(args.store)
      const diff = diffRuns(yield* resolveRun(store, args.a), yield* resolveRun(store, args.b))
      if (args.json) return yield* Console.log(toJson(diff))
      yield* Console.log(`diff ${diff.a} -> ${diff.b}`)
      if (diff.config.length === 0 && diff.stages.length === 0) return yield* Console.log("  no differences")
      for (const line of diff.config) yield* Console.log(`  ${line}`)
      for (const s of diff.stages) yield* Console.log(`  ${s.stage}:\n${s.changes.map((c) => `    ${c}`).join("\n")}`)
    })
  ).pipe(Command.withDescription("what differs between two runs (ids, prefixes, latest, previous)"))
