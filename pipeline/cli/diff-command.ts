/** `diff <runA> <runB>`: params, code, artifact hashes and metric values that differ between two runs. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { StoreError } from "../errors.ts"
import { Store } from "../store.ts"
import { jsonOption, storeOption, toJson } from "./options.ts"

// loaded when the command runs: `run` (the hot path) never pays for it
const implementation = Effect.promise(() => Promise.all([import("../run-diff.ts"), import("../run-select.ts"), import("../metrics.ts")]))

export const diffCommand = () =>
  Command.make("diff", {
    store: storeOption,
    json: jsonOption,
    a: Args.text({ name: "runA" }),
    b: Args.text({ name: "runB" })
  }, (args) =>
    Effect.gen(function* () {
      const [{ diffRuns }, { resolveRun }, { diffMetrics, formatMetricChange }] = yield* implementation
      const store = yield* Store
      const [a, b] = [yield* resolveRun(args.a), yield* resolveRun(args.b)]
      const metrics = yield* Effect.tryPromise({
        try: () => diffMetrics(a, b, store.objectPath),
        catch: (e) =>
          new StoreError({
            message: `cannot read a metrics output in the store ${store.root}: ${e instanceof Error ? e.message : String(e)}`,
            hint: "run `pipeline audit` to check the store's objects"
          })
      })
      const diff = { ...diffRuns(a, b), metrics }
      if (args.json) return yield* Console.log(toJson(diff))
      yield* Console.log(`diff ${diff.a} -> ${diff.b}`)
      if (diff.config.length === 0 && diff.stages.length === 0 && metrics.changes.length === 0)
        return yield* Console.log("  no differences")
      for (const line of diff.config) yield* Console.log(`  ${line}`)
      for (const s of diff.stages) yield* Console.log(`  ${s.stage}:\n${s.changes.map((c) => `    ${c}`).join("\n")}`)
      if (metrics.changes.length > 0) yield* Console.log(`  metrics:\n${metrics.changes.map((c) => `    ${formatMetricChange(c)}`).join("\n")}`)
      for (const name of metrics.unavailable) yield* Console.log(`  metrics of ${name}: not in the store any more (removed by gc)`)
    }).pipe(Effect.provide(Store.Default(args.store)))
  ).pipe(Command.withDescription("what differs between two runs (ids, prefixes, latest, previous)"))
