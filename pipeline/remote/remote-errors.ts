/** Errors of the remote cache and the job queue; each carries `message` (what, where) and `hint` (how to fix). */
import * as Data from "effect/Data"

/** The bucket could not be read or written (network, credentials, permissions). */
export class RemoteError extends Data.TaggedError("RemoteError")<{ message: string; hint?: string }> {}

/** Wraps an SDK failure as a RemoteError naming `what`. */
export const remoteError = (what: string) => (cause: unknown): RemoteError => {
  const e = cause as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const status = e?.$metadata?.httpStatusCode
  return new RemoteError({
    message: `${what}: ${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}${e?.message && e.message !== e.name ? `: ${e.message}` : ""}`,
    hint: "check AWS_ENDPOINT_URL, AWS_REGION and the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or ~/.aws), and that the bucket exists"
  })
}
