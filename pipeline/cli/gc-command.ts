/**
 * `gc [--keep N] [--yes]`: lists (or with --yes deletes) what no kept run or index entry refers to in
 * the store; with `--remote s3://…`, the same for the shared cache in the bucket (and not the store).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ConfigError } from "../errors.ts"
import { mebibytes } from "../format.ts"
import type { RemoteGcPlan } from "../remote/remote-gc.ts"
import { Store } from "../store.ts"
import { storeOption } from "./options.ts"
import { shortHash } from "../format.ts"
import { remoteOption } from "./remote-options.ts"

// loaded when the command runs: `run` (the hot path) never pays for it, nor a local gc for the AWS SDK
const implementation = Effect.promise(() => import("../gc.ts"))
const remoteImplementation = Effect.promise(() => import("../remote/remote-gc.ts"))

const printRemotePlan = (plan: RemoteGcPlan, apply: boolean, minAge: number) =>
  Effect.gen(function* () {
    const verb = apply ? "removed" : "would remove"
    for (const e of plan.invalidEntries) yield* Console.log(`${verb} entry ${e.key}: ${e.reason}`)
    for (const o of plan.objects) yield* Console.log(`${verb} object ${o.key} (${o.bytes} bytes): no valid entry refers to it`)
    const bytes = plan.objects.reduce((n, o) => n + o.bytes, 0)
    yield* Console.log(
      `${verb} from ${plan.url}: ${plan.invalidEntries.length} invalid entries, ${plan.objects.length} objects (${mebibytes(bytes)}); ` +
        `kept ${plan.kept.entries} signed entries, ${plan.kept.objects} objects they refer to (${mebibytes(plan.kept.bytes)}), ` +
        `${plan.kept.recent} younger than ${minAge} s (--min-age)${apply ? "" : "; pass --yes to delete"}`
    )
  })

export const gcCommand = () =>
  Command.make("gc", {
    store: storeOption,
    keep: Options.integer("keep").pipe(Options.withDescription("number of newest runs to keep"), Options.withDefault(5)),
    yes: Options.boolean("yes").pipe(Options.withDescription("really delete (default: only list)")),
    remote: remoteOption.pipe(Options.withDescription("collect the shared cache in this bucket instead of the store: objects no validly signed entry refers to, and invalid entries")),
    minAge: Options.integer("min-age").pipe(
      Options.withDescription("with --remote: seconds under which a bucket key is kept whatever it is (a stage being published uploads its objects before its entry)"),
      Options.withDefault(3600)
    )
  }, (args) =>
    Effect.gen(function* () {
      if (Option.isSome(args.remote)) {
        if (args.minAge < 0) return yield* new ConfigError({ message: "--min-age must be 0 or more seconds", hint: "the default is 3600" })
        const { collectRemoteGarbage } = yield* remoteImplementation
        const plan = yield* Effect.scoped(collectRemoteGarbage(args.remote.value, { minAgeMs: args.minAge * 1000, apply: args.yes }))
        return yield* printRemotePlan(plan, args.yes, args.minAge)
      }
      const { collectGarbage } = yield* implementation
      const plan = yield* collectGarbage({ keep: args.keep, apply: args.yes }).pipe(Effect.provide(Store.Default(args.store)))
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
  ).pipe(Command.withDescription("remove artifacts no kept run refers to (with --remote: bucket objects no signed entry refers to)"))
