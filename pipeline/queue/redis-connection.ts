/**
 * Redis connections for BullMQ (ioredis). Checked once with a quick PING so that a wrong URL is a
 * clear error instead of an endless reconnect loop; closed with the enclosing scope.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import { QueueError } from "./queue-errors.ts"

/** The URL with its password masked, for messages (a Redis password is a credential). */
export const redactRedisUrl = (url: string): string =>
  url.replace(/^(rediss?:\/\/)([^@/]*)@/u, (_, scheme: string, auth: string) => `${scheme}${auth.includes(":") ? `${auth.slice(0, auth.indexOf(":"))}:***` : "***"}@`)

const unreachable = (url: string, cause: unknown) =>
  new QueueError({
    message: `cannot reach Redis at ${redactRedisUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}`,
    hint: "start redis-server (or check host, port and password in --redis redis://[user:password@]host:port[/db])"
  })

/** Fails fast when nothing answers at `url`. */
export const checkRedis = (url: string): Effect.Effect<void, QueueError> =>
  Effect.tryPromise({
    try: async () => {
      const probe = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on("error", () => undefined)
      try {
        await probe.connect()
        await probe.ping()
      } finally {
        probe.disconnect()
      }
    },
    catch: (cause) => unreachable(url, cause)
  })

/** A connection as BullMQ wants it (no per-request retry limit: blocking commands wait), closed with the scope. */
export const redisConnection = (url: string): Effect.Effect<Redis, QueueError, Scope.Scope> =>
  Effect.zipRight(
    checkRedis(url),
    Effect.acquireRelease(
      Effect.sync(() => new Redis(url, { maxRetriesPerRequest: null })),
      (redis) => Effect.promise(() => redis.quit().catch(() => undefined))
    )
  )
