/**
 * `pnpm bench train-step [--json] [--steps N] [--batch N] [--arch stride|pool] [--only seed,stock,native,pytorch,methods] [--no-methods] [--methods-profile full|quick] [--profile]`
 * Times the reference net (bench/train-step/reference-net.ts): forward, full Adam train step, images/s, for
 * the seed wasm kernels, for stock wasm (plus a naive filter gradient), for the native (oneDNN) kernels at 1 and
 * 2 threads where oneDNN loads, and for the PyTorch peer at 1 and 2 threads; then one pretrain step of each
 * method at `full`'s widths and batch (or `--methods-profile quick`'s) (images/s) on wasm and native. Ratios native / PyTorch come from the same run.
 * Each configuration runs in its own process.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { probeOneDnn } from "../ml/onednn/library.ts"

import { benchArgs, numberFlag } from "./args.ts"

const usage = "pnpm bench train-step [--json] [--steps N] [--batch N] [--arch stride|pool] [--only seed,stock,native,pytorch,methods] [--no-methods] [--methods-profile full|quick] [--profile] [--peer file]"
const { values: flags } = benchArgs(usage, {
  options: {
    json: { type: "boolean", default: false }, steps: { type: "string" }, batch: { type: "string" },
    arch: { type: "string" }, only: { type: "string" }, profile: { type: "boolean", default: false },
    "no-methods": { type: "boolean", default: false }, "methods-profile": { type: "string", default: "full" }, peer: { type: "string" }
  }
})
const json = flags.json
const steps = numberFlag(usage, "steps", flags.steps, 5)
const batch = numberFlag(usage, "batch", flags.batch, 256)
const arches = flags.arch ? [flags.arch] : ["stride", "pool"]
// --only a,b: just these configurations (seed, stock, native, pytorch, methods)
const only = flags.only?.split(",")
const tsLoader = new URL("../pipeline/ts-loader/register.mjs", import.meta.url).href
const here = path.dirname(fileURLToPath(import.meta.url))
// the PyTorch peer sits beside the repository (../shared/peers/); --peer <file> points elsewhere
const peer = path.resolve(flags.peer ?? path.join(here, "../../shared/peers/torch_train_step.py"))

interface Row { readonly [key: string]: unknown }

/** Runs a measuring process; its JSON lines (one per measurement). */
const runJsonLines = (command: string, commandArgs: ReadonlyArray<string>): Array<Row> => {
  const result = spawnSync(command, commandArgs, { encoding: "utf8", maxBuffer: 1 << 24 })
  const lines = result.stdout.trim().split("\n").filter((l) => l.startsWith("{"))
  if (result.status !== 0 || lines.length === 0) {
    if (!json) console.error(`${command} ${commandArgs.join(" ")} failed: ${result.stderr.slice(-800)}`)
    return []
  }
  if (!json && result.stderr.trim()) console.error(result.stderr.trim())
  return lines.map((line) => JSON.parse(line) as Row)
}
const runJsonLine = (command: string, commandArgs: ReadonlyArray<string>): Row | undefined => runJsonLines(command, commandArgs).pop()

const hasOneDnn = (): boolean => probeOneDnn().available

const hasTorch = (): boolean =>
  fs.existsSync("/usr/bin/python3") && fs.existsSync(peer) && spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0

const rows: Array<Row> = []
const emit = (row: Row | undefined): void => {
  if (row === undefined) return
  rows.push(row)
  if (json) console.log(JSON.stringify(row))
  else console.log(
    `${String(row.config).padEnd(8)} ${String(row.arch).padEnd(6)} ${String(row.backend).padEnd(8)} ` +
    `forward ${String(row.forward_ms).padStart(7)} ms  step ${String(row.train_step_ms).padStart(7)} ms  ` +
    `${String(row.images_per_s).padStart(6)} img/s  step/forward ${row.step_over_forward}` +
    (row.train_step_cpu_ms !== undefined ? `  (cpu: forward ${row.forward_cpu_ms} ms, step ${row.train_step_cpu_ms} ms)` : "")
  )
}

const worker = path.join(here, "train-step", "measure.ts")
const methodsProfile = flags["methods-profile"]
if (methodsProfile !== "full" && methodsProfile !== "quick") {
  console.error(`--methods-profile must be full or quick, not ${methodsProfile}\n${usage}`)
  process.exit(2)
}
const threadCounts = [1, 2]
const wanted = (config: string) => only === undefined || only.includes(config)
for (const arch of arches) {
  const extra = flags.profile ? ["--profile"] : []
  for (const config of ["seed", "stock"]) {
    if (!wanted(config)) continue
    const n = config === "stock" ? Math.min(steps, 2) : steps
    emit(runJsonLine(process.execPath, ["--import", tsLoader, worker, config, arch, String(batch), String(n), "1", ...extra]))
  }
  if (wanted("native") && hasOneDnn()) {
    for (const threads of threadCounts) emit(runJsonLine(process.execPath, ["--import", tsLoader, worker, "native", arch, String(batch), String(steps), String(threads), ...extra]))
  }
  if (wanted("pytorch") && hasTorch()) {
    for (const threads of threadCounts) {
      const row = runJsonLine("/usr/bin/python3", [peer, "--threads", String(threads), "--batch", String(batch), "--arch", arch, "--steps", String(steps)])
      if (row === undefined) continue
      const step = Number(row.train_step_ms), forward = Number(row.forward_ms)
      emit({
        ...row, config: `torch-${threads}t`, backend: "pytorch",
        images_per_s: Math.round((batch / step) * 1000), step_over_forward: Math.round((step / forward) * 100) / 100
      })
    }
  }
}
const ratios: Array<Row> = []
for (const arch of arches) {
  const step = (config: string) => Number(rows.find((r) => r.config === config && r.arch === arch)?.train_step_ms ?? NaN)
  for (const threads of threadCounts) {
    const ratio = step(`native-${threads}t`) / step(`torch-${threads}t`)
    if (Number.isFinite(ratio)) ratios.push({ config: "ratio", arch, threads, native_over_pytorch: Math.round(ratio * 100) / 100, goal: "<= 1.0" })
  }
  const wasm = step("seed") / step("torch-1t")
  if (Number.isFinite(wasm)) ratios.push({ config: "ratio", arch, threads: 1, wasm_over_pytorch: Math.round(wasm * 100) / 100 })
}
for (const r of ratios) {
  if (json) console.log(JSON.stringify(r))
  else console.log(`${r.arch}, ${r.threads} thread(s): ${r.native_over_pytorch !== undefined ? `native step / pytorch step = ${r.native_over_pytorch} (goal <= 1.0)` : `seed wasm step / pytorch step = ${r.wasm_over_pytorch}`}`)
}

// one pretrain step per method at the chosen profile's widths and batch (full by default)
if (!flags["no-methods"] && wanted("methods")) {
  const methodWorker = path.join(here, "train-step", "measure-method.ts")
  const configs: Array<{ config: string; threads: number }> = [{ config: "wasm", threads: 1 }, ...(hasOneDnn() ? threadCounts.map((threads) => ({ config: "native", threads })) : [])]
  for (const { config, threads } of configs) {
    for (const row of runJsonLines(process.execPath, ["--import", tsLoader, methodWorker, config, String(threads), String(Math.min(steps, 3)), methodsProfile])) {
      if (json) console.log(JSON.stringify(row))
      else console.log(`method ${String(row.method).padEnd(18)} ${String(row.config).padEnd(10)} step ${String(row.train_step_ms).padStart(7)} ms  ${String(row.images_per_s).padStart(6)} img/s (batch ${row.batch}, widths ${row.widths})`)
    }
  }
}
