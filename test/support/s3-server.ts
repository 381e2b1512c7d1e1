/**
 * A throwaway S3-compatible server (s3rver, in this process) on a free loopback port, and the AWS_*
 * environment that points the real SDK at it. It proves the protocol path only; integrity is the
 * cache's own job (s3rver accepts wrong checksums).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import S3rver from "s3rver"

export interface S3TestServer {
  readonly endpoint: string
  readonly bucket: string
  /** AWS_* variables for the SDK (endpoint, region, s3rver's fixed credentials). */
  readonly env: Record<string, string>
  /** The bytes stored for `key` live in s3rver's directory; tests read and write them through the SDK. */
  readonly close: () => Promise<void>
}

export const startS3Server = async (dir: string, bucket = "seed-cache"): Promise<S3TestServer> => {
  fs.mkdirSync(path.join(dir, "s3"), { recursive: true })
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: path.join(dir, "s3"), configureBuckets: [{ name: bucket, configs: [] }] })
  const address = (await server.run()) as { address: string; port: number }
  const endpoint = `http://127.0.0.1:${address.port}`
  return {
    endpoint,
    bucket,
    env: {
      AWS_ENDPOINT_URL: endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
    },
    close: () => server.close() as Promise<void>
  }
}
