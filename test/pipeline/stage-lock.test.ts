import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { currentOwner, LEASE_MS, type LockOwner } from "../../pipeline/lock-owner.ts"
import { guardedBy, heldLocks, tryStageLock, waitForStageLock } from "../../pipeline/stage-lock.ts"
import { tempDir } from "../support/temp-dir.ts"
import { repoRoot, tsLoader } from "./fixture-sources.ts"

/** A pid that has exited (and been reaped) by now. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!

const writeOwner = (file: string, owner: Partial<LockOwner>) =>
  fs.writeFileSync(file, JSON.stringify({ ...currentOwner("someone-else"), ...owner }))

const tryNow = (file: string) => Effect.runPromise(Effect.scoped(Effect.map(tryStageLock(file), (lock) => lock !== undefined)))

describe("stage locks", () => {
  it("are exclusive while held, even within one process, and go with their scope", async () => {
    const file = path.join(tempDir("locks-"), "stage-a")
    await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      expect(yield* tryStageLock(file)).toBeDefined()
      expect(yield* Effect.promise(() => tryNow(file))).toBe(false)
      expect(yield* heldLocks(path.dirname(file))).toEqual(["stage-a"])
    })))
    expect(fs.readdirSync(path.dirname(file))).toEqual([])
  })

  it("take over a lock whose holder died, or whose pid now belongs to another process", async () => {
    const dir = tempDir("locks-")
    writeOwner(path.join(dir, "dead"), { pid: deadPid() })
    writeOwner(path.join(dir, "recycled"), { pid: process.pid, startTime: "1" })
    fs.writeFileSync(path.join(dir, "legacy"), "") // an old proper-lockfile target: holds no owner
    expect(await Effect.runPromise(heldLocks(dir))).toEqual([])
    for (const name of ["dead", "recycled", "legacy"]) expect(await tryNow(path.join(dir, name)), name).toBe(true)
  })

  it("judge a holder on another host by its heartbeat only, never by its pid", async () => {
    const file = path.join(tempDir("locks-"), "remote")
    writeOwner(file, { host: "another-host", pid: deadPid() })
    expect(await tryNow(file)).toBe(false)
    const old = new Date(Date.now() - LEASE_MS - 5_000)
    fs.utimesSync(file, old, old)
    expect(await tryNow(file)).toBe(true)
  })

  it("give a stale lock to exactly one of three processes racing for it, round after round", async () => {
    const dir = tempDir("locks-race-")
    const rounds = 50, gapMs = 20
    const dead = deadPid()
    for (let r = 0; r < rounds; r++) writeOwner(path.join(dir, `round-${r}`), { pid: dead })
    const script = path.join(dir, "racer.mts")
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"))
    fs.writeFileSync(script, `
      import * as Effect from "effect/Effect"
      import { tryStageLock } from ${JSON.stringify(`${repoRoot}/pipeline/stage-lock.ts`)}
      const [dir, rounds, gapMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
      const lines = process.stdin.setEncoding("utf8")
      const nextLine = () => new Promise<string>((resolve) => lines.once("data", resolve))
      process.stdout.write("ready\\n")
      const startAt = Number(await nextLine())
      const taken: Array<boolean> = []
      await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        for (let r = 0; r < rounds; r++) {
          while (Date.now() < startAt + r * gapMs) {} // spin: all three try within the same millisecond
          taken.push((yield* tryStageLock(dir + "/round-" + r)) !== undefined)
        }
        process.stdout.write(JSON.stringify(taken) + "\\n")
        yield* Effect.promise(nextLine) // hold every lock taken until all racers are done
      })))
    `)
    const racers = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, ["--import", tsLoader, script, dir, String(rounds), String(gapMs)], {
        cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"]
      })
      const lines: Array<string> = []
      const waiters: Array<() => void> = []
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        lines.push(...d.split("\n").filter(Boolean))
        waiters.splice(0).forEach((w) => w())
      })
      const line = (n: number) => new Promise<string>((resolve, reject) => {
        const check = () => (lines.length > n ? resolve(lines[n]) : waiters.push(check))
        child.on("exit", (code) => reject(new Error(`racer exited ${code}: ${lines.join("\n")}`)))
        check()
      })
      return { child, line }
    })
    await Promise.all(racers.map((r) => r.line(0))) // all three loaded
    const startAt = Date.now() + 300
    for (const r of racers) r.child.stdin.write(`${startAt}\n`)
    const results = (await Promise.all(racers.map((r) => r.line(1)))).map((l) => JSON.parse(l) as Array<boolean>)
    for (const r of racers) r.child.stdin.end("done\n")
    const winners = Array.from({ length: rounds }, (_, r) => results.filter((taken) => taken[r]).length)
    expect(winners).toEqual(Array(rounds).fill(1))
  })

  it("stop waiting at once when interrupted", async () => {
    const file = path.join(tempDir("locks-"), "busy")
    writeOwner(file, { pid: process.pid }) // held by a live process (this one, under another token)
    const fiber = Effect.runFork(Effect.scoped(waitForStageLock(file)))
    await new Promise((r) => setTimeout(r, 300))
    const started = Date.now()
    const exit = await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Date.now() - started).toBeLessThan(200)
    expect(Exit.isInterrupted(exit)).toBe(true)
  })

  it("fail the work they guard when the lock file is removed or replaced under them", async () => {
    const file = path.join(tempDir("locks-"), "stolen")
    const exit = await Effect.runPromiseExit(Effect.scoped(Effect.gen(function* () {
      const lock = (yield* tryStageLock(file))!
      fs.rmSync(file)
      writeOwner(file, { pid: process.pid })
      return yield* guardedBy(lock, Effect.never)
    })))
    expect(Exit.isFailure(exit) && !Exit.isInterrupted(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) && exit.cause)).toMatch(/the lock .*stolen was removed or taken by another process/)
    expect(fs.existsSync(file)).toBe(true) // the new holder's lock is left alone
  })
})
