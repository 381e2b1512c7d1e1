/**
 * Heavy stages run in forked worker processes, kept in a pool for the command and reused: a worker's
 * start (Node, the loader, the pipeline's modules, the compute backend) took about 1.4 s, paid again by
 * each of quick's 21 heavy stages. A runner started from a bundle (launch.mjs) starts its workers on
 * that same bundle when they serve its entry's definition: the same code, without the loader's
 * per-module cost; otherwise a worker runs worker-entry.ts through the `.ts` loader. A worker serves
 * one definition and config (its compute settings follow from them), one stage at a time; it is
 * killed, never reused, after a failure or an interruption, and retired after a stage that left it
 * large (fresh memory for the next one).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { fork, type ChildProcess } from "node:child_process"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { StageFailed } from "./errors.ts"
import type { StageHooks } from "./stage-context.ts"
import type { PipelineDefinition } from "./stage.ts"
import { WORKER_ENV, WORKER_FROM_ENTRY, type StartMessage, type WorkerMessage } from "./worker-protocol.ts"

const workerEntry = fileURLToPath(new URL("./worker-entry.ts", import.meta.url))
// the same loader as `SEED_BUNDLE=0 pnpm pipeline`: only .ts files are hooked, dependencies load at Node's speed
const tsLoader = new URL("./ts-loader/register.mjs", import.meta.url).href

/** The bundle file this process runs from, which launch.mjs records before importing it; absent under the loader. */
const bundleMain = (): string | undefined => {
  const main = (globalThis as Record<symbol, unknown>)[Symbol.for("seed.bundleMain")]
  return typeof main === "string" ? main : undefined
}

let entryDefinition: PipelineDefinition<any> | undefined
/** `runCli` records the definition its entry runs: a worker started on the same bundle holds that one. */
export const recordEntryDefinition = (definition: PipelineDefinition<any>): void => {
  entryDefinition = definition
}

/** Whether a worker for `start` can run on this process's bundle (it then finds the definition it needs). */
const servedFromBundle = (start: StartMessage): string | undefined => {
  const main = bundleMain()
  return main !== undefined && entryDefinition?.name === start.definitionName && entryDefinition.module === start.definitionModule
    ? main
    : undefined
}

/** A worker whose resident memory passed this after a stage is not reused (a wasm heap never shrinks). */
export const RETIRE_ABOVE_BYTES = 1.5 * 2 ** 30
/** At most this many idle workers in all (a long-lived `pipeline worker` may see many configs): the oldest go first. */
const MAX_IDLE = os.availableParallelism()

const forkWorker = (start: StartMessage): ChildProcess => {
  const bundle = servedFromBundle(start)
  return fork(bundle ?? workerEntry, [], {
    execArgv: bundle === undefined ? ["--import", tsLoader] : [],
    // under the loader, re-importing the definition module must never start a second CLI; on the
    // bundle, its entry's runCli serves stages instead (see runCli)
    env: { ...process.env, [WORKER_ENV]: bundle === undefined ? "1" : WORKER_FROM_ENTRY },
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
}

const alive = (child: ChildProcess): boolean => !child.killed && child.exitCode === null && child.signalCode === null && child.connected

const kill = (child: ChildProcess): void => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

/** Runs one stage on `child`; succeeds with the worker's resident bytes when it reports done. */
const awaitResult = (child: ChildProcess, start: StartMessage, hooks: StageHooks): Effect.Effect<number, StageFailed> => {
  let resume: ((result: Effect.Effect<number, StageFailed>) => void) | undefined
  const settle = (result: Effect.Effect<number, StageFailed>) => {
    const r = resume
    resume = undefined
    r?.(result)
  }
  const onMessage = (message: WorkerMessage) => {
    switch (message.type) {
      case "progress": return hooks.progress(message.done, message.total, message.note)
      case "log": return hooks.log(message.message)
      case "provenance": return hooks.provenance(message.facts)
      case "done": return settle(Effect.succeed(message.residentBytes))
      case "failed":
        return settle(Effect.fail(new StageFailed({ stage: start.stage, ...message.error, cause_tag: message.error._tag })))
    }
  }
  const onError = (e: Error) => settle(Effect.fail(workerDied(start.stage, e.message)))
  const onExit = (code: number | null, signal: string | null) =>
    settle(Effect.fail(workerDied(start.stage, `exited with ${signal ?? `code ${code}`} before reporting a result`)))
  // the listeners live exactly as long as this stage: the worker may serve another one next
  const listen = Effect.acquireRelease(
    Effect.sync(() => {
      child.on("message", onMessage)
      child.on("error", onError)
      child.on("exit", onExit)
    }),
    () => Effect.sync(() => {
      child.off("message", onMessage)
      child.off("error", onError)
      child.off("exit", onExit)
    })
  )
  return Effect.scoped(Effect.zipRight(listen, Effect.async<number, StageFailed>((callback) => {
    resume = callback
    child.send(start)
  })))
}

const workerDied = (stage: string, what: string) =>
  new StageFailed({
    stage,
    message: `worker process of stage "${stage}" ${what}`,
    hint: "look at the stage's stderr above; out-of-memory kills show up as SIGKILL",
    cause_tag: "WorkerDied"
  })

const poolKey = (start: StartMessage): string => JSON.stringify([start.definitionModule, start.definitionName, start.config])

/** The command's worker processes: idle ones by definition and config; every one still running is killed with the pool. */
export class WorkerPool extends Effect.Service<WorkerPool>()("seed/WorkerPool", {
  scoped: Effect.gen(function* () {
    // idle workers, oldest first, each with the key it serves; every live worker, to kill with the pool
    const idle: Array<{ readonly key: string; readonly child: ChildProcess }> = []
    const all = new Set<ChildProcess>()
    let started = 0
    yield* Effect.addFinalizer(() => Effect.sync(() => all.forEach(kill)))

    const dropIdle = (child: ChildProcess): void => {
      const at = idle.findIndex((w) => w.child === child)
      if (at >= 0) idle.splice(at, 1)
    }
    /** The newest idle worker of `key` that is still alive, else a new one. */
    const take = (key: string, start: StartMessage): ChildProcess => {
      for (let at = idle.length - 1; at >= 0; at--) {
        if (idle[at].key !== key) continue
        const [{ child }] = idle.splice(at, 1)
        if (alive(child)) return child
      }
      const child = forkWorker(start)
      started++
      all.add(child)
      child.once("exit", () => {
        all.delete(child)
        dropIdle(child)
      })
      return child
    }
    const giveBack = (key: string, child: ChildProcess): void => {
      idle.push({ key, child })
      while (idle.length > MAX_IDLE) kill(idle.shift()!.child)
    }

    return {
      /** Runs the stage named in `start` in a pooled worker; resolves when the worker reports done. */
      run: (start: StartMessage, hooks: StageHooks): Effect.Effect<void, StageFailed> => {
        const key = poolKey(start)
        return Effect.asVoid(Effect.acquireUseRelease(
          Effect.sync(() => take(key, start)),
          (child) => awaitResult(child, start, hooks),
          // the use's value is the worker's resident bytes after the stage
          (child, exit) => Effect.sync(() => {
            if (Exit.isSuccess(exit) && exit.value <= RETIRE_ABOVE_BYTES && alive(child)) giveBack(key, child)
            else kill(child)
          })
        ))
      },
      /** How many worker processes this pool has started (tests: reuse). */
      started: (): number => started
    }
  })
}) {}
