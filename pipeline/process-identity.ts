/**
 * Who owns a temp dir or a store-use marker: a machine id, a pid and that process's start time,
 * written into the entry's name. A store may be shared (NFS, several containers), so an owner is
 * declared gone only when it is on this machine (same host name and pid namespace) and its pid is
 * dead or now belongs to a process that started at another time (pid reuse). Owners elsewhere are
 * never judged: their entries are left alone.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"

export interface ProcessOwner {
  /** 12 hex digits of sha256(host name, pid namespace). */
  readonly machine: string
  readonly pid: number
  /** Start time in clock ticks since boot (Linux /proc/<pid>/stat), 0 where unknown. */
  readonly startTicks: number
}

/** The pid namespace's id on Linux ("pid:[4026531836]"); containers sharing a host name differ here. */
const pidNamespace = (): string => {
  try {
    return fs.readlinkSync("/proc/self/ns/pid")
  } catch {
    return "unknown"
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export const processStartTicks = (pid: number): number | undefined => {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const ticks = Number(fields[19]) // fields[0] is field 3 (state)
  return Number.isSafeInteger(ticks) ? ticks : undefined
}

const thisMachine = createHash("sha256").update(`${os.hostname()}\0${pidNamespace()}`).digest("hex").slice(0, 12)

/** This process as an owner. */
export const currentOwner = (): ProcessOwner => ({ machine: thisMachine, pid: process.pid, startTicks: processStartTicks(process.pid) ?? 0 })

/** "<machine>-<pid>-<startTicks>": safe in file names, parsed back by `parseOwnerTag`. */
export const ownerTag = (owner: ProcessOwner): string => `${owner.machine}-${owner.pid}-${owner.startTicks}`

const TAG = /^([0-9a-f]{12})-([1-9][0-9]{0,9})-([0-9]{1,20})(?:-|$)/

/** The owner at the start of `name` (as written by `ownerTag`), or undefined for anything else. */
export const parseOwnerTag = (name: string): ProcessOwner | undefined => {
  const m = TAG.exec(name)
  return m ? { machine: m[1], pid: Number(m[2]), startTicks: Number(m[3]) } : undefined
}

/** Whether a process with this pid exists in this pid namespace (EPERM: it exists, owned by another user). */
export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** True only when the owner provably no longer runs: same machine, and pid dead or reused. */
export const ownerIsGone = (owner: ProcessOwner): boolean => {
  if (owner.machine !== thisMachine) return false
  if (!pidAlive(owner.pid)) return true
  const now = processStartTicks(owner.pid)
  return owner.startTicks !== 0 && now !== undefined && now !== owner.startTicks
}

/** The machine id of this process (for tests and messages). */
export const machineId = (): string => thisMachine
