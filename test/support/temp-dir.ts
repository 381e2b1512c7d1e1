/**
 * Temp dirs for tests, removed when their test (or their file / describe block) finishes, pass or
 * fail, so a test run leaves nothing behind in os.tmpdir().
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, onTestFinished } from "vitest"

/** A fresh dir under os.tmpdir(), real path (macOS's /tmp is a symlink); the caller removes it. */
export const makeTempDir = (prefix: string): string => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))

export const removeTempDir = (dir: string): Promise<void> => fs.promises.rm(dir, { recursive: true, force: true })

/**
 * A fresh dir removed once the current test has finished. Call it inside a test (or beforeEach):
 * the hook runs after the test body's promise settles, so child processes the test awaits are done.
 */
export const tempDir = (prefix: string): string => {
  const dir = makeTempDir(prefix)
  onTestFinished(() => removeTempDir(dir))
  return dir
}

/**
 * A fresh dir shared by the tests of a file or describe block, removed after all of them. Call it
 * at module top level or in a describe body (not inside a hook or test).
 */
export const sharedTempDir = (prefix: string): string => {
  const dir = makeTempDir(prefix)
  afterAll(() => removeTempDir(dir))
  return dir
}
