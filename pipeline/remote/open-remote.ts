/** Opens the remote cache named by `--remote` (key from the environment), closed with the enclosing scope. */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ConfigError } from "../errors.ts"
import { makeRemoteCache, type RemoteCache } from "./remote-cache.ts"
import { parseRemoteUrl, signingKeyFromEnv } from "./remote-location.ts"

export const openRemoteCache = (url: string): Effect.Effect<RemoteCache, ConfigError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const location = yield* parseRemoteUrl(url)
      const key = yield* signingKeyFromEnv()
      return makeRemoteCache(location, key)
    }),
    (remote) => Effect.sync(() => remote.close())
  )
