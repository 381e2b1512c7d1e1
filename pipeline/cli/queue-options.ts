/** Options of the distributed executor: `--executor queue --redis redis://… [--queue name]` (run) and `worker`. */
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ConfigError } from "../errors.ts"
import { defaultQueueName } from "../queue/stage-job.ts"
import { Session } from "../session.ts"

export const redisOption = Options.text("redis").pipe(Options.withDescription("Redis URL of the job queue, redis://host:port"), Options.optional)
export const queueOption = Options.text("queue").pipe(Options.withDescription("BullMQ queue name (default: pipeline-<pipeline name>)"), Options.optional)
export const executorOption = Options.choice("executor", ["local", "queue"]).pipe(
  Options.withDescription("local: stages run here; queue: each stale stage is a BullMQ job for `pipeline worker`s (needs --redis and --remote)"),
  Options.withDefault("local" as const)
)

export const workerTimeoutOption = Options.integer("worker-timeout").pipe(
  Options.withDescription("seconds the coordinator waits with jobs queued and no worker on the queue before it gives up (0: forever)"),
  Options.withDefault(60)
)

export const queueNameOf = (session: { definition: { name: string } }, queue: Option.Option<string>) =>
  Option.getOrElse(queue, () => defaultQueueName(session.definition.name))

/** The queue executor's StageRunner, or undefined for `--executor local`. */
export const stageRunnerFor = (
  args: { executor: "local" | "queue"; redis: Option.Option<string>; queue: Option.Option<string>; workerTimeout: number },
  say: (line: string) => void
) =>
  Effect.gen(function* () {
    const session = yield* Session
    if (args.executor === "local") {
      if (Option.isSome(args.redis)) return yield* new ConfigError({ message: "--redis is only used with --executor queue", hint: "add --executor queue, or drop --redis" })
      return undefined
    }
    if (Option.isNone(args.redis) || !session.remote) {
      return yield* new ConfigError({
        message: "--executor queue needs --redis (the job queue) and --remote (where workers put their results)",
        hint: "pipeline run --executor queue --redis redis://host:6379 --remote s3://bucket/prefix"
      })
    }
    if (args.workerTimeout < 0) return yield* new ConfigError({ message: "--worker-timeout must be 0 (wait forever) or more seconds", hint: "the default is 60" })
    // BullMQ is loaded only when the queue is used
    const { makeQueueRunner } = yield* Effect.promise(() => import("../queue/queue-runner.ts"))
    const { redactRedisUrl } = yield* Effect.promise(() => import("../queue/redis-connection.ts"))
    const queueName = queueNameOf(session, args.queue)
    const workerCommand = `pipeline worker --redis ${redactRedisUrl(args.redis.value)} --remote ${session.remote.url}${Option.isSome(args.queue) ? ` --queue ${queueName}` : ""}`
    return yield* makeQueueRunner({
      redisUrl: args.redis.value, queueName, remote: session.remote, workerTimeoutMs: args.workerTimeout * 1000, workerCommand, say
    })
  })
