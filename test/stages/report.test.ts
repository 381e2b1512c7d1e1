import { beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Arrow from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { chromium } from "playwright-core"
import { resultFields } from "../../report/results.ts"
import { reportStage } from "../../stages/report.ts"
import { runStageDirectly, type DirectRun } from "../support/run-stage.ts"
import { seedConfig } from "../support/seed-config.ts"
import { sharedTempDir } from "../support/temp-dir.ts"
import { fixtureMethods, fixtureRuns, writeReportFixtures } from "../report/fixtures.ts"

const chromiumPath = "/usr/bin/chromium"
const hasChromium = fs.existsSync(chromiumPath)
const projectionPoints = 800
const params = { seed: 42, projectionPoints }
const stage = reportStage(fixtureRuns)

const root = sharedTempDir("report-stage-")
let files: Record<string, string>
let first: DirectRun
let second: DirectRun

const run = (outDir: string, inputs = files) => runStageDirectly(stage, params, inputs, outDir)

beforeAll(async () => {
  files = writeReportFixtures(path.join(root, "inputs"), 1200)
  first = await Effect.runPromise(run(path.join(root, "first")))
  second = await Effect.runPromise(run(path.join(root, "second")))
})

describe("report stage", () => {
  it("declares its inputs per run (and the first run's per method) and is not heavy", () => {
    expect(stage.name).toBe("report")
    expect(stage.heavy).toBe(false)
    expect(stage.inputs["embeddings:infomax"]).toEqual({ stage: "pretrain:infomax@s0", output: "test" })
    expect(stage.inputs["confusion:supervised"]).toEqual({ stage: "probe:supervised@s0", output: "confusion" })
    expect(stage.inputs["predictions:raw-pixels"]).toEqual({ stage: "probe:raw-pixels", output: "predictions" })
    expect(stage.inputs["knn_predictions:contrastive@s2"]).toEqual({ stage: "knn:contrastive@s2", output: "predictions" })
    expect(stage.inputs["knn_metrics:raw-pixels"]).toEqual({ stage: "knn:raw-pixels", output: "metrics" })
    expect(stage.inputs["history:autoencoder@s1"]).toEqual({ stage: "pretrain:autoencoder@s1", output: "history" })
    expect(stage.inputs.val).toEqual({ stage: "split", output: "val" })
    expect(Object.keys(stage.inputs)).toHaveLength(3 + 5 * fixtureRuns.length + 3 * fixtureMethods.length)
    expect(stage.selectParams(seedConfig({ seed: 3 }))).toEqual({ seed: 3, projectionPoints: 2000 })
    expect(stage.selectParams(seedConfig({ seed: 3, report: { projectionPoints: 500 } }))).toEqual({ seed: 3, projectionPoints: 500 })
  })

  it("writes results.arrow with one row per method over its seeds, SSL methods before baselines", () => {
    const table = Arrow.tableFromIPC(fs.readFileSync(first.outputs.results))
    expect(table.schema.fields.map((f) => f.name)).toEqual([...resultFields])
    const rows = table.toArray().map((r) => r.toJSON())
    expect(rows.map((r) => r.method)).toEqual(["autoencoder", "contrastive", "infomax", "raw-pixels", "random-encoder", "supervised"])
    expect(rows.map((r) => r.role)).toEqual([
      "self-supervised", "self-supervised", "self-supervised",
      "baseline: raw pixels", "baseline: untrained encoder", "baseline: supervised (upper bound)"
    ])
    // contrastive's seeds: 87.4, 86.5, 87.5 (fixtures.ts)
    expect(rows[1].top1).toBeCloseTo(0.8713333333, 9)
    expect(rows[1].top1_std).toBeCloseTo(0.0055075705, 9)
    expect(rows[1].top1_ci_low).toBeCloseTo(0.8713333333 - 4.30265273 * (0.0055075705 / Math.sqrt(3)), 8)
    expect(rows[1].knn_top1).toBeCloseTo(0.8513333333, 9)
    expect(rows.map((r) => r.seeds)).toEqual([3, 3, 3, 1, 3, 3])
    expect(rows[3].top1_std).toBeNull()
    expect(rows[3].knn_top1_ci_high).toBeNull()
    expect(rows[3].images_per_s).toBeNull()
    expect(rows[3].embedding_dim).toBe(49)
    expect(rows[5].epochs).toBe(2)
    expect(first.progress.at(-1)).toEqual({ done: 7, total: 7, note: undefined })
  })

  it("writes the paired comparisons (against floor baselines and between SSL methods, per seed, Holm-adjusted) into report.md", () => {
    const md = fs.readFileSync(first.outputs.markdown, "utf8")
    const section = md.slice(md.indexOf("## Paired comparisons on the test split"), md.indexOf("Every test:"))
    const rows = section.split("\n").filter((l) => /^\| (autoencoder|contrastive|infomax) \|/.test(l))
    expect(rows.filter((l) => l.includes("| linear probe |")).map((l) => l.split(" | ").slice(0, 2).join(" vs ").slice(2))).toEqual([
      "autoencoder vs random-encoder", "contrastive vs random-encoder", "infomax vs random-encoder",
      "autoencoder vs raw-pixels", "contrastive vs raw-pixels", "infomax vs raw-pixels",
      "autoencoder vs contrastive", "autoencoder vs infomax", "contrastive vs infomax"
    ])
    // 1200 fixture images per seed; contrastive and the random encoder move together with the seed, so every seed's gap is 9.00 points
    expect(rows.find((l) => l.startsWith("| contrastive | random-encoder | linear probe |"))).toMatch(
      /^\| contrastive \| random-encoder \| linear probe \| \+9\.00 points \| \[\+9\.00, \+9\.00\] \| 3 \| \d\.\de-\d+ \| yes \|$/
    )
    expect(md).toMatch(/- Above the random-encoder baseline \(linear 78\.13%, kNN 76\.13%\): linear probe 3 of 3 \(autoencoder, contrastive, infomax\), meaningful [23] of 3; kNN 3 of 3 \(autoencoder, contrastive, infomax\), meaningful [23] of 3\./)
    expect(md).toContain("## Per-seed results")
  })

  it("produces byte-identical outputs from the same inputs", () => {
    for (const name of ["results", "markdown", "html"]) {
      expect(fs.readFileSync(second.outputs[name]).equals(fs.readFileSync(first.outputs[name])), name).toBe(true)
    }
  })

  it("writes a self-contained html page: no scripts, no links, no URLs but SVG namespaces", () => {
    const html = fs.readFileSync(first.outputs.html, "utf8")
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|\bsrc=/i)
    const urls = html.match(/[a-z]+:\/\/[^"'\s)]+/gi) ?? []
    expect(new Set(urls)).toEqual(new Set(["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]))
    expect(html.length).toBeLessThan(3_000_000)
    const ids = Array.from(html.matchAll(/\bid="([^"]+)"/g), (m) => m[1])
    expect(new Set(ids).size).toBe(ids.length)
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1])
  })

  it.effect("fails with ReportInputError naming the file when an input is not an Arrow file", () =>
    Effect.gen(function* () {
      const broken = path.join(root, "broken.arrow")
      fs.writeFileSync(broken, "not arrow")
      const exit = yield* Effect.exit(run(path.join(root, "broken-out"), { ...files, "knn_metrics:infomax@s2": broken }))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = JSON.stringify(exit.cause)
        expect(error).toContain("ReportInputError")
        expect(error).toContain(broken)
      }
    })
  )

  it.effect("fails with ReportInputError when an input is missing", () =>
    Effect.gen(function* () {
      const { ["history:contrastive@s1"]: _, ...rest } = files
      const exit = yield* Effect.exit(run(path.join(root, "missing-out"), rest))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain(`input \\"history:contrastive@s1\\" was not provided`)
    })
  )
})

/** Figure id -> selector of its data marks and the least number of them a rendered chart has. */
const expectedCharts: Record<string, { marks: string; min: number }> = {
  "loss-curves": { marks: "g.mark-line.role-mark path", min: 4 },
  // a mean dot per SSL method and evaluation (3 x 2)
  "top1-across-seeds": { marks: "g.mark-symbol.role-mark path", min: 6 },
  ...Object.fromEntries(
    fixtureMethods.flatMap((m) => [
      [`confusion-${m.name}`, { marks: "g.mark-rect.role-mark path", min: 100 }],
      [`projection-${m.name}`, { marks: "g.mark-symbol.role-mark path", min: projectionPoints }]
    ])
  )
}

describe("report.html in a browser", () => {
  it.skipIf(!hasChromium)(
    `renders every chart in headless Chromium, with no console errors or requests${hasChromium ? "" : ` (SKIPPED: ${chromiumPath} not found; apt-get install -y chromium)`}`,
    async () => {
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
      })
      try {
        const page = await browser.newPage()
        const problems: Array<string> = []
        // The stage writes to an extension-less store path; the runner exports it as report.html.
        const file = path.join(root, "report.html")
        fs.copyFileSync(first.outputs.html, file)
        const url = pathToFileURL(file).href
        page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)))
        page.on("pageerror", (e) => void problems.push(`page error: ${e.message}`))
        page.on("requestfailed", (r) => void problems.push(`failed request: ${r.url()}`))
        page.on("request", (r) => void (r.url() !== url && problems.push(`request: ${r.url()}`)))
        await page.goto(url, { waitUntil: "load" })
        const charts = await page.evaluate((expected) =>
          Object.entries(expected).map(([id, { marks }]) => {
            const svg = (globalThis as any).document.getElementById(id)?.querySelector(":scope > svg")
            const box = svg?.getBoundingClientRect()
            return { id, present: svg != null, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll(marks).length ?? 0 }
          }), expectedCharts)
        expect(charts.map((c) => c.id).sort()).toEqual(Object.keys(expectedCharts).sort())
        for (const c of charts) {
          expect(c.present, c.id).toBe(true)
          expect(c.width, c.id).toBeGreaterThan(100)
          expect(c.height, c.id).toBeGreaterThan(100)
          expect(c.marks, c.id).toBeGreaterThanOrEqual(expectedCharts[c.id].min)
        }
        expect(await page.locator("figure.chart > svg").count()).toBe(Object.keys(expectedCharts).length)
        expect(problems).toEqual([])
      } finally {
        await browser.close()
      }
    }
  )
})
