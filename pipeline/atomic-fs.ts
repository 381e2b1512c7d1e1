/** Crash-safe file writes: temp file in the same directory, fsync, rename, fsync the directory. */
import * as fs from "node:fs"
import * as path from "node:path"
import { randomBytes } from "node:crypto"

/** fsync a directory so a rename inside it survives a power loss. */
export const fsyncDir = (dir: string): void => {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, "r")
    fs.fsyncSync(fd)
  } catch {
    // some filesystems refuse to fsync directories; the rename itself is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** A unique temp name next to `file` (same filesystem, so rename is atomic). */
export const tempNameFor = (file: string): string =>
  path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`)

/** Writes `data` to `file` so readers see either the old file or the whole new one. */
export const writeFileAtomic = (file: string, data: string | Uint8Array): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = tempNameFor(file)
  const fd = fs.openSync(tmp, "w")
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  fsyncDir(path.dirname(file))
}

/** fsyncs an already written file and renames it to `dest` atomically. */
export const commitFile = (written: string, dest: string): void => {
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  const fd = fs.openSync(written, "r")
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(written, dest)
  fsyncDir(path.dirname(dest))
}
