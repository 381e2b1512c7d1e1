/** Content hashes of source files, recorded in the table metadata as provenance. */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import type { SourceFile } from "./image-metadata.ts"

/** sha256 and size of one file, read in 1 MiB chunks. */
export const hashFile = (path: string): SourceFile => {
  const hash = crypto.createHash("sha256")
  const fd = fs.openSync(path, "r")
  const chunk = Buffer.allocUnsafe(1 << 20)
  let bytes = 0
  try {
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; bytes += n) hash.update(chunk.subarray(0, n))
  } finally {
    fs.closeSync(fd)
  }
  return { path, sha256: hash.digest("hex"), bytes }
}
