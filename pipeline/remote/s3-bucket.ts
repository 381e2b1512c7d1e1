/**
 * The S3 calls the remote cache needs (get, put, exists; list and delete for gc) over `@aws-sdk/client-s3`. Endpoint, region
 * and credentials come from the SDK's usual sources (AWS_* variables, ~/.aws); a custom endpoint
 * (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL: MinIO, R2, a local test server) switches to path-style
 * addressing. Checksums only WHEN_REQUIRED: newer SDKs send CRC32 headers that some S3-compatible
 * servers reject; integrity is checked by the cache itself (sha256 of every object it downloads).
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { pipeline } from "node:stream/promises"
import type { Readable } from "node:stream"
import { remoteError, type RemoteError } from "./remote-errors.ts"
import type { RemoteLocation } from "./remote-location.ts"

export interface Bucket {
  readonly location: RemoteLocation
  /** The object's bytes as text, or undefined when there is none. */
  readonly getText: (key: string) => Effect.Effect<string | undefined, RemoteError>
  /** Streams the object into `file` (created); false when there is none. */
  readonly download: (key: string, file: string) => Effect.Effect<boolean, RemoteError>
  readonly putText: (key: string, text: string) => Effect.Effect<void, RemoteError>
  readonly upload: (key: string, file: string) => Effect.Effect<void, RemoteError>
  readonly exists: (key: string) => Effect.Effect<boolean, RemoteError>
  /** Every object whose key starts with `prefix` (all pages). */
  readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<ListedObject>, RemoteError>
  readonly remove: (key: string) => Effect.Effect<void, RemoteError>
  readonly close: () => void
}

export interface ListedObject {
  readonly key: string
  readonly bytes: number
  readonly modified: Date
}

const isNotFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } }
  return err?.name === "NoSuchKey" || err?.name === "NotFound" || err?.$metadata?.httpStatusCode === 404
}

/** The client settings, read from the environment (exported for tests and `status`). */
export const s3ClientSettings = (env: NodeJS.ProcessEnv = process.env) => {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  return {
    ...(endpoint ? { endpoint } : {}),
    // local servers ignore the region, but the SDK insists on one
    ...(region ? { region } : endpoint ? { region: "us-east-1" } : {}),
    forcePathStyle: endpoint !== undefined || env.AWS_S3_FORCE_PATH_STYLE === "true",
    requestChecksumCalculation: "WHEN_REQUIRED" as const,
    responseChecksumValidation: "WHEN_REQUIRED" as const
  }
}

/** A Bucket over the real S3 API. */
export const openBucket = (location: RemoteLocation): Bucket => {
  // the SDK is pinned: its warning about *future* versions needing Node 22 would only print noise on every run
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"
  const client = new S3Client(s3ClientSettings())
  const Bucket = location.bucket
  const where = (key: string) => `s3://${Bucket}/${key}`
  const call = <A>(what: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: remoteError(what) })

  const getBody = (key: string) =>
    call(`cannot read ${where(key)}`, async () => {
      try {
        return (await client.send(new GetObjectCommand({ Bucket, Key: key }))).Body as Readable & { transformToString: () => Promise<string> }
      } catch (e) {
        if (isNotFound(e)) return undefined
        throw e
      }
    })

  return {
    location,
    getText: (key) =>
      Effect.flatMap(getBody(key), (body) => body ? call(`cannot read ${where(key)}`, () => body.transformToString()) : Effect.succeed(undefined)),
    download: (key, file) =>
      Effect.flatMap(getBody(key), (body) =>
        body ? call(`cannot download ${where(key)}`, () => pipeline(body, fs.createWriteStream(file, { flags: "wx" }))).pipe(Effect.as(true)) : Effect.succeed(false)),
    putText: (key, text) =>
      call(`cannot write ${where(key)}`, () => client.send(new PutObjectCommand({ Bucket, Key: key, Body: text, ContentType: "application/json" }))).pipe(Effect.asVoid),
    upload: (key, file) =>
      call(`cannot upload ${file} to ${where(key)}`, () =>
        client.send(new PutObjectCommand({ Bucket, Key: key, Body: fs.createReadStream(file), ContentLength: fs.statSync(file).size }))).pipe(Effect.asVoid),
    exists: (key) =>
      call(`cannot check ${where(key)}`, async () => {
        try {
          await client.send(new HeadObjectCommand({ Bucket, Key: key }))
          return true
        } catch (e) {
          if (isNotFound(e)) return false
          throw e
        }
      }),
    list: (prefix) =>
      call(`cannot list ${where(prefix)}`, async () => {
        const listed: Array<ListedObject> = []
        let ContinuationToken: string | undefined
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }))
          for (const o of page.Contents ?? []) {
            if (o.Key !== undefined) listed.push({ key: o.Key, bytes: o.Size ?? 0, modified: o.LastModified ?? new Date(0) })
          }
          ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
        } while (ContinuationToken)
        return listed
      }),
    // one DeleteObject per key: DeleteObjects needs a Content-MD5 that WHEN_REQUIRED clients and some servers disagree on
    remove: (key) => call(`cannot delete ${where(key)}`, () => client.send(new DeleteObjectCommand({ Bucket, Key: key }))).pipe(Effect.asVoid),
    close: () => client.destroy()
  }
}
