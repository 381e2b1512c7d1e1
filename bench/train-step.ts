/**
 * `pnpm bench train-step [--json] [--steps N] [--batch N] [--arch stride|pool] [--only seed|stock|pytorch] [--profile]`
 * Times the reference net (bench/train-step/reference-net.ts): forward, full Adam train step, images/s, for
 * the seed wasm kernels, for stock wasm (plus a naive filter gradient) and for the PyTorch peer.
 * Each configuration runs in its own process (kernel registrations are global).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { benchArgs, numberFlag } from "./args.ts"

const usage = "pnpm bench train-step [--json] [--steps N] [--batch N] [--arch stride|pool] [--only seed|stock|pytorch] [--profile]"
const { values: flags } = benchArgs(usage, {
  options: {
    json: { type: "boolean", default: false }, steps: { type: "string" }, batch: { type: "string" },
    arch: { type: "string" }, only: { type: "string" }, profile: { type: "boolean", default: false }
  }
})
const json = flags.json
const steps = numberFlag(usage, "steps", flags.steps, 5)
const batch = numberFlag(usage, "batch", flags.batch, 256)
const arches = flags.arch ? [flags.arch] : ["stride", "pool"]
const only = flags.only
const here = path.dirname(fileURLToPath(import.meta.url))
const peer = path.resolve(here, "../../shared/peers/torch_train_step.py")

interface Row { readonly [key: string]: unknown }

const runJsonLine = (command: string, commandArgs: ReadonlyArray<string>): Row | undefined => {
  const result = spawnSync(command, commandArgs, { encoding: "utf8", maxBuffer: 1 << 24 })
  const line = result.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop()
  if (result.status !== 0 || line === undefined) {
    if (!json) console.error(`${command} ${commandArgs.join(" ")} failed: ${result.stderr.slice(-800)}`)
    return undefined
  }
  if (!json && result.stderr.trim()) console.error(result.stderr.trim())
  return JSON.parse(line) as Row
}

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
const tsLoader = new URL("../pipeline/ts-loader/register.mjs", import.meta.url).href
for (const arch of arches) {
  for (const config of ["seed", "stock"]) {
    if (only !== undefined && only !== config) continue
    const n = config === "stock" ? Math.min(steps, 2) : steps
    const extra = flags.profile ? ["--profile"] : []
    emit(runJsonLine(process.execPath, ["--import", tsLoader, worker, config, arch, String(batch), String(n), ...extra]))
  }
  if ((only === undefined || only === "pytorch") && hasTorch()) {
    for (const threads of [1, 2]) {
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
if (!json) {
  for (const arch of arches) {
    const seed = rows.find((r) => r.config === "seed" && r.arch === arch)
    const torch = rows.find((r) => r.config === "torch-1t" && r.arch === arch)
    if (seed && torch) console.log(`${arch}: seed wasm step / pytorch 1-thread step = ${(Number(seed.train_step_ms) / Number(torch.train_step_ms)).toFixed(2)} (goal <= 2.5)`)
  }
}
