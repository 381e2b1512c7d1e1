/** Canonical JSON (sorted keys, no whitespace) and sha256 helpers: the basis of every fingerprint. */
import { createHash } from "node:crypto"
import type { Sha256Hex } from "./records.ts"

/** JSON with object keys sorted recursively, so equal values always give equal strings. */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value))

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key]
      if (v !== undefined) out[key] = sortKeys(v)
    }
    return out
  }
  return value
}

/** Hex sha256 of a string or bytes. */
export const sha256 = (data: string | Uint8Array): Sha256Hex => createHash("sha256").update(data).digest("hex") as Sha256Hex
