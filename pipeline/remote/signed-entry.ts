/**
 * Index entries as published to the remote cache: the entry plus an HMAC-SHA256 over its canonical
 * JSON. Only holders of the key can publish entries that others accept; whoever can merely write to
 * the bucket cannot (the lesson of CVE-2025-36852: first writer wins in a shared cache).
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { createHmac, timingSafeEqual } from "node:crypto"
import { canonicalJson } from "../canonical-json.ts"
import { fingerprintOf } from "../fingerprint.ts"
import { IndexEntry } from "../records.ts"
import { shortHash } from "../format.ts"

export const SIGNED_ENTRY_FORMAT = "pipeline-signed-entry/1"

export interface SignedEntry {
  readonly format: typeof SIGNED_ENTRY_FORMAT
  readonly entry: IndexEntry
  /** Hex HMAC-SHA256 of canonicalJson({ format, entry }). */
  readonly signature: string
}

const mac = (key: Buffer, format: string, entry: unknown): Buffer =>
  createHmac("sha256", key).update(canonicalJson({ format, entry })).digest()

/** Wraps an entry with its signature. */
export const signEntry = (entry: IndexEntry, key: Buffer): SignedEntry => ({
  format: SIGNED_ENTRY_FORMAT,
  entry,
  signature: mac(key, SIGNED_ENTRY_FORMAT, entry).toString("hex")
})

export type Verified =
  | { readonly _tag: "Valid"; readonly entry: IndexEntry }
  | { readonly _tag: "Invalid"; readonly reason: string }

const HEX64 = /^[0-9a-f]{64}$/u
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)

/**
 * Checks the signature, then that the entry is the one asked for (stage and fingerprint, and a
 * fingerprint that its own components reproduce) and that every hash it holds is 64 hex digits
 * (hashes become file names).
 */
export const verifyEntry = (text: string, key: Buffer, stage: string, fingerprint: string): Verified => {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return { _tag: "Invalid", reason: "not JSON" }
  }
  if (!isObject(doc) || typeof doc.signature !== "string" || doc.signature === "") return { _tag: "Invalid", reason: "unsigned" }
  if (doc.format !== SIGNED_ENTRY_FORMAT) return { _tag: "Invalid", reason: `unknown format ${JSON.stringify(doc.format)}` }
  const expected = mac(key, SIGNED_ENTRY_FORMAT, doc.entry)
  const given = HEX64.test(doc.signature) ? Buffer.from(doc.signature, "hex") : Buffer.alloc(0)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { _tag: "Invalid", reason: "bad signature (altered, or signed with another key)" }
  }
  // decoded with the store's own Schema: every hash must be 64 hex digits (hashes become file names)
  const decoded = Schema.decodeUnknownEither(IndexEntry)(doc.entry)
  if (Either.isLeft(decoded)) {
    return { _tag: "Invalid", reason: `signed, but not an index entry: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n").slice(-1)[0].trim()}` }
  }
  const entry = decoded.right
  if (entry.stage !== stage || entry.fingerprint !== fingerprint) {
    return { _tag: "Invalid", reason: `signed for ${entry.stage} ${shortHash(entry.fingerprint)}, not this stage and fingerprint` }
  }
  if (fingerprintOf(entry.components as IndexEntry["components"]) !== fingerprint) {
    return { _tag: "Invalid", reason: "its components do not hash to its fingerprint" }
  }
  return { _tag: "Valid", entry }
}
