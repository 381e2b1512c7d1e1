/**
 * The one way a whole file is hashed: sha256 over its bytes, read in 4 MiB chunks so a large dataset
 * or artifact never sits in memory whole. The store, the stat cache, the audit and the dataset
 * readers' provenance all use it, so "the hash of a file" means one thing everywhere.
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { storeError, type StoreError } from "./errors.ts"
import type { Sha256Hex } from "./records.ts"

const CHUNK = 4 * 1024 * 1024

/** sha256 of a file's bytes (hex), read without blocking the event loop (lock heartbeats keep running). */
export const hashFile = async (file: string): Promise<Sha256Hex> => {
  const hash = createHash("sha256")
  const handle = await fs.promises.open(file, "r")
  try {
    const buffer = Buffer.allocUnsafe(CHUNK)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
  return hash.digest("hex") as Sha256Hex
}

/** `hashFile` as an Effect: an unreadable file is a StoreError naming it, not a defect. */
export const hashFileEffect = (file: string): Effect.Effect<Sha256Hex, StoreError> =>
  Effect.tryPromise({ try: () => hashFile(file), catch: storeError(`cannot hash ${file}`) })

/** sha256 (hex) and size of a file, synchronously: for readers that list their sources in sync code. */
export const hashFileSync = (file: string): { readonly sha256: Sha256Hex; readonly bytes: number } => {
  const hash = createHash("sha256")
  const fd = fs.openSync(file, "r")
  const buffer = Buffer.allocUnsafe(CHUNK)
  let bytes = 0
  try {
    for (let n; (n = fs.readSync(fd, buffer, 0, CHUNK, null)) > 0; bytes += n) hash.update(buffer.subarray(0, n))
  } finally {
    fs.closeSync(fd)
  }
  return { sha256: hash.digest("hex") as Sha256Hex, bytes }
}
