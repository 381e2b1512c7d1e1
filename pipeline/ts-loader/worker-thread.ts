/**
 * Worker threads running a `.ts` entry through the project's loader. A worker does not inherit the
 * parent's module hooks, so it is started with `--import register.mjs` (which registers them there
 * and preloads nothing in a worker), whatever started the parent (the CLI, vitest, a bench).
 */
import { Worker, type WorkerOptions } from "node:worker_threads"

const register = new URL("./register.mjs", import.meta.url).href

/** Starts `entry` (a `.ts` file URL) on a worker thread with the `.ts` loader. */
export const tsWorker = (entry: URL, options: Omit<WorkerOptions, "execArgv" | "eval"> = {}): Worker =>
  new Worker(entry, { ...options, execArgv: ["--import", register] })
