/** `audit [--rerun stage]`: re-hash the latest run's artifacts, verify lineage, optionally check reproducibility. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { AuditFailed } from "../errors.ts"
import type { PipelineDefinition } from "../stage.ts"
import { jsonOption, sessionLayerFrom, sessionOptions, toJson } from "./options.ts"
import { shortHash } from "../format.ts"

// loaded when the command runs: `run` (the hot path) never pays for it
const implementation = Effect.promise(() => Promise.all([import("../audit.ts"), import("../run-select.ts")]))

export const auditCommand = (definition: PipelineDefinition<any>) =>
  Command.make("audit", {
    ...sessionOptions,
    json: jsonOption,
    run: Options.text("run").pipe(Options.withDescription("run to audit (id, prefix, latest, previous)"), Options.withDefault("latest")),
    rerun: Options.text("rerun").pipe(Options.withDescription("re-execute this stage in a scratch store and compare output hashes"), Options.optional)
  }, (args) =>
    Effect.gen(function* () {
      const [{ auditRun, rerunStage }, { resolveRun }] = yield* implementation
      const run = yield* resolveRun(args.run)
      const report = yield* auditRun(run)
      const rerun = Option.isSome(args.rerun) ? yield* rerunStage(run, args.rerun.value) : undefined
      if (args.json) yield* Console.log(toJson({ ...report, rerun }))
      else {
        yield* Console.log(`audit of run ${report.runId}: ${report.artifactsChecked} artifacts re-hashed, ${report.problems.length} problem(s)`)
        for (const p of report.problems) yield* Console.log(`  - ${p}`)
        if (rerun) {
          yield* Console.log(`rerun of ${rerun.stage}: ${rerun.reproducible ? "reproducible" : "NOT reproducible"}${rerun.sameFingerprint ? "" : " (note: code or params changed since that run)"}`)
          for (const o of rerun.outputs) yield* Console.log(`  ${o.output}: recorded ${shortHash(o.recorded)}, rerun ${shortHash(o.rerun)}${o.recorded === o.rerun ? "" : o.volatile ? "  differs (volatile: holds run timings)" : "  DIFFERENT"}`)
        }
      }
      if (report.problems.length > 0 || (rerun && !rerun.reproducible)) {
        return yield* new AuditFailed({
          message: `audit failed: ${report.problems.length} problem(s)${rerun && !rerun.reproducible ? `, ${rerun.stage} is not reproducible` : ""}`,
          hint: "`pipeline run` recomputes corrupted artifacts; a non-reproducible stage has hidden nondeterminism"
        })
      }
    }).pipe(Effect.provide(sessionLayerFrom(definition, args)))
  ).pipe(Command.withDescription("verify the artifacts and lineage of a run"))
