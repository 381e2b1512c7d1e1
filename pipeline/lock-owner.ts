/**
 * Who holds a lock, and whether that holder is gone. A holder in this process space (same host,
 * boot and pid namespace) is judged by its pid and process start time, so a recycled pid does not
 * keep a dead run's lock alive; a holder anywhere else is judged only by its heartbeat (the lock
 * file's mtime), since its pid means nothing here.
 */
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import { pidAlive } from "./process-identity.ts"

/** A holder elsewhere (another host or container) that has not touched its lock for this long is gone. */
export const LEASE_MS = 30_000

export const LockOwner = Schema.Struct({
  host: Schema.String,
  /** /proc/sys/kernel/random/boot_id: a reboot recycles pids. */
  bootId: Schema.String,
  /** The pid namespace (/proc/self/ns/pid): containers on one host number their processes apart. */
  pidNamespace: Schema.String,
  pid: Schema.Int,
  /** Start time of `pid` in clock ticks since boot (/proc/<pid>/stat), "" where /proc is missing. */
  startTime: Schema.String,
  /** Random per acquisition: tells this holder's lock file from a later one at the same path. */
  token: Schema.String,
  takenAt: Schema.String
})
export type LockOwner = typeof LockOwner.Type

const readOr = (file: string, fallback: string, transform: (text: string) => string = (t) => t.trim()): string => {
  try {
    return transform(file.startsWith("/proc/self/ns") ? fs.readlinkSync(file) : fs.readFileSync(file, "utf8"))
  } catch {
    return fallback
  }
}

interface ProcessStat {
  readonly state: string
  readonly startTime: string
}

/** State and start time of a process from /proc/<pid>/stat; undefined when the process does not exist (or no /proc). */
const processStat = (pid: number): ProcessStat | undefined => {
  const text = readOr(`/proc/${pid}/stat`, "")
  // the command name (field 2) may hold spaces and parentheses: fields are counted after its closing ')'
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return fields.length > 19 ? { state: fields[0], startTime: fields[19] } : undefined
}

const machine = {
  host: os.hostname(),
  bootId: readOr("/proc/sys/kernel/random/boot_id", ""),
  pidNamespace: readOr("/proc/self/ns/pid", "")
}

/** This process as a lock holder, with a fresh token. */
export const currentOwner = (token: string): LockOwner => ({
  ...machine,
  pid: process.pid,
  startTime: processStat(process.pid)?.startTime ?? "",
  token,
  takenAt: new Date().toISOString()
})

/** Whether `owner`'s pid can be judged here (the same host, boot and pid namespace as this process). */
const inThisProcessSpace = (owner: LockOwner): boolean =>
  owner.host === machine.host && owner.bootId === machine.bootId && owner.pidNamespace === machine.pidNamespace

/** Whether the holder of a lock is gone; `heartbeatMs` is the lock file's mtime. */
export const ownerIsGone = (owner: LockOwner, heartbeatMs: number, now: number = Date.now()): boolean => {
  if (!inThisProcessSpace(owner)) return now - heartbeatMs > LEASE_MS
  const stat = processStat(owner.pid)
  if (stat === undefined) return owner.startTime !== "" || !pidAlive(owner.pid)
  // a zombie has exited (its parent has not reaped it yet); another start time is a recycled pid
  return stat.state === "Z" || stat.state === "X" || (owner.startTime !== "" && stat.startTime !== owner.startTime)
}
