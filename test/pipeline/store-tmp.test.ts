import * as Effect from "effect/Effect"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { currentOwner, machineId, ownerTag, processStartTicks } from "../../pipeline/process-identity.ts"
import { openStore } from "../../pipeline/store.ts"
import { tempDir } from "../support/temp-dir.ts"

/** A pid that just exited (so no process of this machine has it, barring immediate reuse). */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!

const otherMachine = machineId() === "0123456789ab" ? "ba9876543210" : "0123456789ab"

describe.skipIf(process.platform !== "linux")("tmp/ sweeping at store open", () => {
  it("removes only runner temp dirs whose owner on this machine is dead or whose pid was reused", async () => {
    const store = tempDir("pipeline-tmp-")
    const tmp = path.join(store, "tmp")
    const live = spawn("sleep", ["30"])
    try {
      await new Promise((r) => live.once("spawn", r))
      const dead = deadPid()
      const me = currentOwner()
      const liveTicks = processStartTicks(live.pid!)!
      const dirs = {
        deadOwner: `${machineId()}-${dead}-${me.startTicks}-scale-aaaaaa`,
        reusedPid: `${machineId()}-${live.pid}-${liveTicks + 1}-scale-bbbbbb`,
        liveOwner: `${machineId()}-${live.pid}-${liveTicks}-scale-cccccc`,
        thisProcess: `${ownerTag(me)}-scale-dddddd`,
        otherMachineDeadPid: `${otherMachine}-${dead}-1-scale-eeeeee`,
        oldFormatNoMarker: `${dead}-scale-ffffff`,
        notTheRunners: "my-notes",
        numberedButNotTheRunners: "12345"
      }
      for (const name of Object.values(dirs)) fs.mkdirSync(path.join(tmp, name, "out"), { recursive: true })

      await Effect.runPromise(openStore(store))
      const left = new Set(fs.readdirSync(tmp))
      expect(left.has(dirs.deadOwner)).toBe(false)
      expect(left.has(dirs.reusedPid)).toBe(false)
      for (const kept of [dirs.liveOwner, dirs.thisProcess, dirs.otherMachineDeadPid, dirs.oldFormatNoMarker, dirs.notTheRunners, dirs.numberedButNotTheRunners]) {
        expect(left.has(kept), kept).toBe(true)
      }
    } finally {
      live.kill()
    }
  })

  it("names its own temp dirs after this process, so the sweep recognises them", async () => {
    const root = tempDir("pipeline-tmp-")
    const store = await Effect.runPromise(openStore(root))
    const dir = await Effect.runPromise(store.makeTempDir("combine:p"))
    expect(path.basename(dir).startsWith(`${ownerTag(currentOwner())}-combine%3Ap-`)).toBe(true)
    await Effect.runPromise(openStore(root)) // reopening from the same live process keeps it
    expect(fs.existsSync(dir)).toBe(true)
  })
})
