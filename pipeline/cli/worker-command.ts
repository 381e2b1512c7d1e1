/** `worker --redis … --remote …`: takes stage jobs from the queue until interrupted (Ctrl-C / SIGTERM finish the current jobs). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ConfigError } from "../errors.ts"
import type { PipelineDefinition } from "../stage.ts"
import { storeLayer } from "../session.ts"
import { Store } from "../store.ts"
import { WorkerPool } from "../worker-process.ts"
import { storeOption } from "./options.ts"
import { queueNameOf, queueOption, redisOption } from "./queue-options.ts"
import { loadOpenRemoteCache, remoteOption } from "./remote-options.ts"

const options = {
  store: storeOption,
  redis: redisOption,
  remote: remoteOption,
  queue: queueOption,
  concurrency: Options.integer("concurrency").pipe(Options.withDescription("jobs taken at once (each stage runs in its own process)"), Options.withDefault(1)),
  lockDuration: Options.integer("lock-duration").pipe(
    Options.withDescription("ms without a lock renewal after which a job is presumed lost and given to another worker"),
    Options.withDefault(30_000)
  )
}

export const workerCommand = (definition: PipelineDefinition<any>) =>
  Command.make("worker", options, (args) =>
    Effect.scoped(Effect.gen(function* () {
      if (Option.isNone(args.redis) || Option.isNone(args.remote)) {
        return yield* new ConfigError({
          message: "worker needs --redis (where jobs come from) and --remote (where inputs come from and results go)",
          hint: "pipeline worker --redis redis://host:6379 --remote s3://bucket/prefix"
        })
      }
      if (args.concurrency < 1 || args.lockDuration < 1000) {
        return yield* new ConfigError({ message: "--concurrency must be at least 1 and --lock-duration at least 1000 ms", hint: "the defaults are 1 and 30000" })
      }
      // the store is opened only once the options are known to be good
      return yield* takeJobs(definition, args.redis.value, args.remote.value, args).pipe(Effect.provide(Layer.merge(storeLayer(args.store), WorkerPool.Default)))
    }))
  ).pipe(Command.withDescription("take stage jobs from a `run --executor queue` (on this or any machine) until interrupted"))

const takeJobs = (
  definition: PipelineDefinition<any>,
  redisUrl: string,
  remoteUrl: string,
  args: { readonly queue: Option.Option<string>; readonly concurrency: number; readonly lockDuration: number }
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const remote = yield* (yield* loadOpenRemoteCache)(remoteUrl)
    const { startQueueWorker } = yield* Effect.promise(() => import("../queue/queue-worker.ts"))
    const { warmUp } = yield* Effect.promise(() => import("../queue/take-job.ts"))
    yield* warmUp({ definition, remote })
    const console = yield* Effect.console
    const say = (line: string) => console.unsafe.log(line)
    const queueName = queueNameOf({ definition }, args.queue)
    yield* startQueueWorker({ definition, remote }, {
      redisUrl, queueName, concurrency: args.concurrency, lockDurationMs: args.lockDuration, say
    })
    say(`worker ${process.pid} ready: queue ${queueName} at ${redisUrl}, store ${store.root}, remote ${remote.url}`)
    return yield* Effect.never
  })
