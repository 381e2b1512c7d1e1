/** `--remote s3://bucket/prefix`: where the shared cache lives, and the signing key from the environment. */
import * as Effect from "effect/Effect"
import { ConfigError } from "../errors.ts"
import { safeName } from "../store.ts"

export interface RemoteLocation {
  readonly bucket: string
  /** Key prefix without a trailing slash ("" for the bucket's root). */
  readonly prefix: string
  readonly url: string
}

/** Environment variable holding the HMAC-SHA256 key that signs and verifies index entries. */
export const REMOTE_KEY_ENV = "PIPELINE_REMOTE_KEY"
const MIN_KEY_LENGTH = 32

/** Parses s3://bucket[/prefix]. */
export const parseRemoteUrl = (url: string): Effect.Effect<RemoteLocation, ConfigError> => {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/u.exec(url)
  if (!match) {
    return Effect.fail(new ConfigError({
      message: `--remote ${JSON.stringify(url)} is not an S3 location`,
      hint: "write it as s3://bucket or s3://bucket/prefix (bucket names: lowercase letters, digits, dots and hyphens)"
    }))
  }
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/gu, "")
  return Effect.succeed({ bucket: match[1], prefix, url })
}

/** The signing key: required, since an unverifiable cache is worse than none. */
export const signingKeyFromEnv = (env: NodeJS.ProcessEnv = process.env): Effect.Effect<Buffer, ConfigError> => {
  const key = env[REMOTE_KEY_ENV]
  if (key === undefined || key.length < MIN_KEY_LENGTH) {
    return Effect.fail(new ConfigError({
      message: `${REMOTE_KEY_ENV} is ${key === undefined ? "not set" : `too short (${key.length} characters)`}: the remote cache's index entries are signed and verified with it`,
      hint: `give every machine that shares the cache the same secret of at least ${MIN_KEY_LENGTH} characters, e.g. export ${REMOTE_KEY_ENV}=$(openssl rand -hex 32)`
    }))
  }
  return Effect.succeed(Buffer.from(key, "utf8"))
}

/** Where things live in the bucket, mirroring the store: <prefix>/objects/<sha256> and <prefix>/index/<stage>/<fingerprint>.json. */
export const bucketLayout = (location: RemoteLocation) => {
  /** Every key of the cache starts with this ("" at the bucket's root); "seed/" never matches "seed2/…". */
  const root = location.prefix === "" ? "" : `${location.prefix}/`
  return {
    root,
    objectKey: (hash: string) => `${root}objects/${hash}`,
    entryKey: (stage: string, fingerprint: string) => `${root}index/${safeName(stage)}/${fingerprint}.json`,
    /** The object's hash, for a key the cache writes objects under; undefined for any other key. */
    objectOf: (key: string): string | undefined =>
      key.startsWith(root) ? /^objects\/([0-9a-f]{64})$/u.exec(key.slice(root.length))?.[1] : undefined,
    /** The stage and fingerprint, for a key the cache writes entries under; undefined for any other key. */
    entryOf: (key: string): { stage: string; fingerprint: string } | undefined => {
      const match = key.startsWith(root) ? /^index\/([^/]+)\/([0-9a-f]{64})\.json$/u.exec(key.slice(root.length)) : null
      if (!match) return undefined
      try {
        const stage = decodeURIComponent(match[1])
        return safeName(stage) === match[1] ? { stage, fingerprint: match[2] } : undefined
      } catch {
        return undefined
      }
    }
  }
}
