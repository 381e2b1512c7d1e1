/** Runs a heavy stage in a forked worker process (`.ts` loader), relaying its progress; kills it if interrupted. */
import * as Effect from "effect/Effect"
import { fork, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { StageFailed } from "./errors.ts"
import type { StageHooks } from "./stage-context.ts"
import { WORKER_ENV, type StartMessage, type WorkerMessage } from "./worker-protocol.ts"

const workerEntry = fileURLToPath(new URL("./worker.ts", import.meta.url))
// the same loader as `pnpm pipeline`: only .ts files are hooked, dependencies load at Node's speed
const tsLoader = new URL("./ts-loader/register.mjs", import.meta.url).href

const spawnWorker = Effect.acquireRelease(
  Effect.sync(() => fork(workerEntry, [], {
    execArgv: ["--import", tsLoader],
    // re-importing the definition module must never start a second CLI (see runCli)
    env: { ...process.env, [WORKER_ENV]: "1" },
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })),
  (child) => Effect.sync(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  })
)

const awaitResult = (child: ChildProcess, start: StartMessage, hooks: StageHooks) =>
  Effect.async<void, StageFailed>((resume) => {
    let settled = false
    const settle = (result: Effect.Effect<void, StageFailed>) => {
      if (!settled) {
        settled = true
        resume(result)
      }
    }
    child.on("message", (message: WorkerMessage) => {
      switch (message.type) {
        case "progress": return hooks.progress(message.done, message.total, message.note)
        case "log": return hooks.log(message.message)
        case "provenance": return hooks.provenance(message.facts)
        case "done": return settle(Effect.void)
        case "failed":
          return settle(Effect.fail(new StageFailed({ stage: start.stage, ...message.error, cause_tag: message.error._tag })))
      }
    })
    child.on("error", (e) => settle(Effect.fail(workerDied(start.stage, e.message))))
    child.on("exit", (code, signal) => settle(Effect.fail(workerDied(start.stage, `exited with ${signal ?? `code ${code}`} before reporting a result`))))
    child.send(start)
  })

const workerDied = (stage: string, what: string) =>
  new StageFailed({
    stage,
    message: `worker process of stage "${stage}" ${what}`,
    hint: "look at the stage's stderr above; out-of-memory kills show up as SIGKILL",
    cause_tag: "WorkerDied"
  })

/** Runs the stage named in `start` in its own process; resolves when the worker reports done. */
export const runInWorker = (start: StartMessage, hooks: StageHooks): Effect.Effect<void, StageFailed> =>
  Effect.scoped(Effect.flatMap(spawnWorker, (child) => awaitResult(child, start, hooks)))
