/** Signed index entries: only an entry signed with the key, for the stage and fingerprint asked for, is accepted. */
import { describe, expect, it } from "vitest"
import { sha256 } from "../../pipeline/canonical-json.ts"
import { fingerprintOf, RUNNER_FORMAT, type FingerprintComponents } from "../../pipeline/fingerprint.ts"
import type { IndexEntry } from "../../pipeline/records.ts"
import { signEntry, verifyEntry } from "../../pipeline/remote/signed-entry.ts"

const key = Buffer.from("k".repeat(40))
const components: FingerprintComponents = { format: RUNNER_FORMAT, stage: "scale", params: { factor: 2 }, inputs: { numbers: sha256("in") }, code: { "stages/scale.ts": sha256("code") }, packages: { effect: "3.22.4" } }
const fingerprint = fingerprintOf(components)
const entry: IndexEntry = {
  stage: "scale", fingerprint, codeHash: sha256("c"), components,
  inputs: { numbers: { stage: "source", output: "numbers", hash: sha256("in") } },
  outputs: { scaled: { hash: sha256("out"), bytes: 3, format: "arrow", extension: "arrow" } },
  timings: { startedAt: "2026-12-01T00:00:00.000Z", finishedAt: "2026-12-01T00:00:01.000Z", seconds: 1 },
  provenance: {}, runId: "r", heavy: false,
  runtime: { node: "v20", platform: "linux", arch: "x64", cpus: 2, cpuModel: "x" }
}
const verify = (doc: unknown, stage = "scale", fp: string = fingerprint) => verifyEntry(JSON.stringify(doc), key, stage, fp)

describe("signed entries", () => {
  it("accept a genuine entry, whatever the key order of its JSON", () => {
    const signed = signEntry(entry, key)
    expect(verify(signed)).toEqual({ _tag: "Valid", entry })
    const reordered = { signature: signed.signature, entry: Object.fromEntries(Object.entries(entry).reverse()), format: signed.format }
    expect(verify(reordered)._tag).toBe("Valid")
  })

  it("reject unsigned, altered, other-key, replayed and malformed entries", () => {
    const signed = signEntry(entry, key)
    const reasons = (doc: unknown, stage?: string, fp?: string) => {
      const v = verify(doc, stage, fp)
      return v._tag === "Invalid" ? v.reason : "accepted"
    }
    expect(reasons({ format: signed.format, entry })).toBe("unsigned")
    expect(reasons({ ...signed, entry: { ...entry, outputs: { scaled: { ...entry.outputs.scaled, hash: sha256("evil") } } } })).toMatch(/^bad signature/)
    expect(reasons(signEntry(entry, Buffer.from("x".repeat(40))))).toMatch(/^bad signature/)
    expect(reasons({ ...signed, signature: signed.signature.toUpperCase() })).toMatch(/^bad signature/)
    // a genuine entry served under another stage's or fingerprint's key
    expect(reasons(signed, "shift")).toMatch(/^signed for scale/)
    expect(reasons(signed, "scale", sha256("other"))).toMatch(/^signed for scale/)
    // signed by a key holder, but not self-consistent or with a hash that would escape objects/
    expect(reasons(signEntry({ ...entry, fingerprint: sha256("x") }, key), "scale", sha256("x"))).toBe("its components do not hash to its fingerprint")
    const escaping = { ...entry, outputs: { scaled: { ...entry.outputs.scaled, hash: "../../etc/passwd" } } }
    expect(reasons(signEntry(escaping as unknown as IndexEntry, key))).toMatch(/^signed, but not an index entry: .*64 lowercase hex digits/)
    expect(verifyEntry("{not json", key, "scale", fingerprint)).toEqual({ _tag: "Invalid", reason: "not JSON" })
  })
})
