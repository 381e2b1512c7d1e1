/** `--remote s3://bucket/prefix` for the commands that read or fill the shared cache (run, status, worker). */
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { REMOTE_KEY_ENV } from "../remote/remote-location.ts"

export const remoteOption = Options.text("remote").pipe(
  Options.withDescription(`shared artifact cache in an S3-compatible bucket, s3://bucket/prefix (endpoint and credentials: AWS_* variables; signing key: ${REMOTE_KEY_ENV})`),
  Options.optional
)

/** The AWS SDK is loaded only by commands given --remote (it takes seconds to import). */
export const loadOpenRemoteCache = Effect.promise(() => import("../remote/open-remote.ts")).pipe(Effect.map((m) => m.openRemoteCache))

/** What opens the remote cache when `--remote` was given (the client is closed with the scope that opened it). */
export const remoteOpener = (remote: Option.Option<string>) =>
  Option.isNone(remote) ? undefined : Effect.flatMap(loadOpenRemoteCache, (open) => open(remote.value))
