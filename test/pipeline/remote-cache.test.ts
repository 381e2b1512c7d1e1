/**
 * The remote cache against a real S3 protocol server (s3rver) through the real SDK: a second store
 * reuses everything a first one published, with identical hashes; an object altered in the bucket is
 * rejected and recomputed (and repaired); unsigned and badly signed entries are ignored.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { canonicalJson, sha256 } from "../../pipeline/canonical-json.ts"
import type { IndexEntry } from "../../pipeline/records.ts"
import { s3ClientSettings } from "../../pipeline/remote/s3-bucket.ts"
import { signEntry } from "../../pipeline/remote/signed-entry.ts"
import { startS3Server, type S3TestServer } from "../support/s3-server.ts"
import { cliInProcess, makeFixtureProject, type FixtureProject } from "./fixture-project.ts"

const KEY = "test-signing-key-0123456789abcdef0123456789"
const STAGES = ["combine:p", "combine:q", "report", "scale", "shift", "source"]

describe("remote cache (s3rver)", () => {
  let project: FixtureProject
  let s3: S3TestServer
  let client: S3Client
  let remote: string
  const saved = { ...process.env }
  const store = (name: string) => path.join(project.dir, name)
  const run = (name: string, ...args: Array<string>) => cliInProcess(project, ["run", "--store", store(name), "--remote", remote, ...args])
  const entries = (name: string): Record<string, IndexEntry> =>
    Object.fromEntries(STAGES.map((s) => {
      const head = JSON.parse(fs.readFileSync(path.join(store(name), "index", encodeURIComponent(s), "HEAD.json"), "utf8")) as IndexEntry
      return [s, head]
    }))
  const outputHashes = (name: string) =>
    Object.fromEntries(Object.entries(entries(name)).map(([s, e]) => [s, Object.fromEntries(Object.entries(e.outputs).map(([o, r]) => [o, r.hash]))]))
  const getText = async (key: string) =>
    (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToString()
  const put = (key: string, body: string | Uint8Array) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }))
  const entryKey = (stage: string, fingerprint: string) => `runs-a/index/${encodeURIComponent(stage)}/${fingerprint}.json`

  beforeAll(async () => {
    project = makeFixtureProject()
    s3 = await startS3Server(project.dir)
    Object.assign(process.env, s3.env, { PIPELINE_REMOTE_KEY: KEY })
    client = new S3Client(s3ClientSettings())
    remote = `s3://${s3.bucket}/runs-a`
    const first = await run("store-a")
    expect(first.stderr).toBe("")
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/6 ran/)
  }, 60_000)
  afterAll(async () => {
    process.env = saved
    client?.destroy()
    await s3?.close()
    await project?.cleanup()
  })

  it("an empty store with the same --remote reuses every stage, with identical hashes", async () => {
    const status = await cliInProcess(project, ["status", "--store", store("store-b"), "--remote", remote])
    expect(status.code).toBe(0)
    for (const s of STAGES) expect(status.stdout).toContain(`${s}: up to date in the remote cache`)
    const second = await run("store-b")
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/6 cached/)
    expect(second.stdout).toContain("[report] cached: fetched from the remote cache")
    expect(outputHashes("store-b")).toEqual(outputHashes("store-a"))
    const local = await cliInProcess(project, ["status", "--store", store("store-b"), "--remote", remote])
    for (const s of STAGES) expect(local.stdout).toContain(`${s}: up to date locally`)
    // the objects were re-hashed on download, not trusted: they hash to their names
    for (const e of Object.values(entries("store-b"))) {
      for (const out of Object.values(e.outputs)) expect(sha256(fs.readFileSync(path.join(store("store-b"), "objects", out.hash.slice(0, 2), out.hash)))).toBe(out.hash)
    }
  }, 60_000)

  it("an object altered in the bucket is rejected, its stage recomputed, and the bucket repaired", async () => {
    const scaled = entries("store-a").scale.outputs.scaled.hash
    await put(`runs-a/objects/${scaled}`, "not the scaled column")
    const third = await run("store-c")
    expect(third.code).toBe(0)
    expect(third.stdout).toContain(`[scale] warning: output scaled: remote object ${scaled.slice(0, 12)} was rejected`)
    expect(third.stdout).toMatch(/\[scale\] ran/)
    expect(third.stdout).toMatch(/5 cached, 1 ran|1 ran, 5 cached/)
    expect(outputHashes("store-c")).toEqual(outputHashes("store-a"))
    const repaired = (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `runs-a/objects/${scaled}` }))).Body!
    expect(sha256(await repaired.transformToByteArray())).toBe(scaled)
  }, 60_000)

  it("unsigned, badly signed and re-pointed entries are ignored with a warning; the stage is recomputed", async () => {
    const a = entries("store-a")
    // unsigned: the genuine entry without its signature
    await put(entryKey("shift", a.shift.fingerprint), JSON.stringify({ format: "pipeline-signed-entry/1", entry: a.shift }))
    // signed with another key
    await put(entryKey("source", a.source.fingerprint), JSON.stringify(signEntry(a.source, Buffer.from("another-key-0123456789abcdef0123456789"))))
    // the genuine signature over an entry whose output now points at another (valid) object
    const genuine = JSON.parse(await getText(entryKey("report", a.report.fingerprint)))
    const forged = { ...genuine, entry: { ...genuine.entry, outputs: { summary: { ...genuine.entry.outputs.summary, hash: a.scale.outputs.scaled.hash } } } }
    await put(entryKey("report", a.report.fingerprint), JSON.stringify(forged))
    expect(canonicalJson(forged.entry)).not.toBe(canonicalJson(genuine.entry))

    const fourth = await run("store-d")
    expect(fourth.code).toBe(0)
    expect(fourth.stdout).toContain("[shift] warning: remote entry ignored: unsigned; computing it here")
    expect(fourth.stdout).toContain("[source] warning: remote entry ignored: bad signature (altered, or signed with another key); computing it here")
    expect(fourth.stdout).toContain("[report] warning: remote entry ignored: bad signature")
    expect(fourth.stdout.match(/warning/g)).toHaveLength(3) // one line each
    for (const s of ["shift", "source", "report"]) expect(fourth.stdout).toMatch(new RegExp(`\\[${s}\\] ran`))
    expect(outputHashes("store-d")).toEqual(outputHashes("store-a"))
    // recomputing replaced the bad entries with validly signed ones
    const again = await run("store-e")
    expect(again.stdout).toMatch(/6 cached/)
    expect(again.stdout).not.toContain("warning")
  }, 60_000)

  it("--remote without a signing key, or with a malformed URL, is a usage error", async () => {
    delete process.env.PIPELINE_REMOTE_KEY
    try {
      const noKey = await run("store-f")
      expect(noKey.code).toBe(2)
      expect(noKey.stderr).toMatch(/PIPELINE_REMOTE_KEY is not set/)
      expect(noKey.stderr).toMatch(/^hint: .*openssl rand -hex 32/m)
    } finally {
      process.env.PIPELINE_REMOTE_KEY = KEY
    }
    const badUrl = await cliInProcess(project, ["status", "--store", store("store-f"), "--remote", "https://bucket/x"])
    expect(badUrl.code).toBe(2)
    expect(badUrl.stderr).toMatch(/is not an S3 location/)
    expect(fs.existsSync(path.join(store("store-f"), "objects"))).toBe(true) // nothing else was touched
  })

  it("gc --remote lists, then removes, the objects no signed entry refers to and invalid entries, within its prefix only", async () => {
    const gcRemote = `s3://${s3.bucket}/gc`
    const gc = (...args: Array<string>) => cliInProcess(project, ["gc", "--remote", gcRemote, ...args])
    const keys = async () => ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).map((o) => o.Key!).sort()
    // store-a's run publishes its six stages under gc/
    expect((await cliInProcess(project, ["run", "--store", store("store-a"), "--remote", gcRemote])).code).toBe(0)
    const orphan = sha256(Buffer.from("an object no entry refers to"))
    const onlyUnsigned = sha256(Buffer.from("an object only an unsigned entry refers to"))
    const unsignedKey = `gc/index/shift/${"f".repeat(64)}.json`
    const a = entries("store-a")
    await put(`gc/objects/${orphan}`, "an object no entry refers to")
    await put(`gc/objects/${onlyUnsigned}`, "an object only an unsigned entry refers to")
    await put(unsignedKey, JSON.stringify({ format: "pipeline-signed-entry/1", entry: { ...a.shift, outputs: { shifted: { ...a.shift.outputs.shifted, hash: onlyUnsigned } } } }))
    // not the cache's keys, or outside its prefix (gc2/ starts like gc/): never touched
    const foreign = ["gc/notes.txt", "gc/objects/not-a-hash", `gc2/objects/${orphan}`, `gc2/index/shift/${"f".repeat(64)}.json`]
    for (const key of foreign) await put(key, "not the cache's")
    const before = await keys()

    const fresh = await gc()
    expect(fresh.code).toBe(0)
    expect(fresh.stdout).toContain(`would remove from ${gcRemote}: 0 invalid entries, 0 objects (0.0 MiB); kept 6 signed entries`)
    expect(fresh.stdout).toContain("3 younger than 3600 s (--min-age); pass --yes to delete")

    const dry = await gc("--min-age", "0")
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain(`would remove entry ${unsignedKey}: unsigned`)
    expect(dry.stdout).toContain(`would remove object gc/objects/${orphan} (28 bytes): no valid entry refers to it`)
    expect(dry.stdout).toContain(`would remove object gc/objects/${onlyUnsigned} (`)
    expect(dry.stdout).toContain("1 invalid entries, 2 objects")
    expect(await keys()).toEqual(before) // a dry run deletes nothing

    const applied = await gc("--min-age", "0", "--yes")
    expect(applied.code).toBe(0)
    expect(applied.stdout).toContain(`removed from ${gcRemote}: 1 invalid entries, 2 objects`)
    expect(await keys()).toEqual(before.filter((k) => ![unsignedKey, `gc/objects/${orphan}`, `gc/objects/${onlyUnsigned}`].includes(k)))
    for (const key of foreign) expect(await keys()).toContain(key)
    // every signed entry and its objects are still there: an empty store reuses all six stages from the bucket
    const reuse = await cliInProcess(project, ["run", "--store", store("store-gc"), "--remote", gcRemote])
    expect(reuse.code).toBe(0)
    expect(reuse.stdout).toMatch(/6 cached/)
    expect(reuse.stdout).not.toContain("warning")
    expect(outputHashes("store-gc")).toEqual(outputHashes("store-a"))
    expect((await gc("--min-age", "0")).stdout).toContain("0 invalid entries, 0 objects")
  }, 180_000) // two runs and four gc commands: 43 s on a loaded 2-core machine
})
