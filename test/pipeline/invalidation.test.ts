import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeFixtureProject, runFixture, withOutcome, type FixtureProject } from "./fixture-project.ts"

const ALL = ["combine:p", "combine:q", "report", "scale", "shift", "source"]

describe("invalidation matrix", () => {
  let project: FixtureProject
  beforeAll(() => void (project = makeFixtureProject()))
  afterAll(() => project.cleanup())

  it("runs everything the first time and nothing the second", async () => {
    const first = await runFixture(project)
    expect(first.record.ok).toBe(true)
    expect(withOutcome(first, "ran")).toEqual(ALL)
    const second = await runFixture(project)
    expect(withOutcome(second, "cached")).toEqual(ALL)
  })

  it("a param used by scale reruns exactly scale and its descendants", async () => {
    const run = await runFixture(project, ["scale.factor=5"])
    expect(withOutcome(run, "ran")).toEqual(["combine:p", "combine:q", "report", "scale"])
    expect(withOutcome(run, "cached")).toEqual(["shift", "source"])
    expect(run.record.stages.scale.reasons).toContain("param factor changed: 2 -> 5")
    // and back: the earlier entries are still in the index
    expect(withOutcome(await runFixture(project), "cached")).toEqual(ALL)
  })

  it("an unused config key reruns nothing", async () => {
    const run = await runFixture(project, ["notes=hello"])
    expect(withOutcome(run, "cached")).toEqual(ALL)
  })

  it("a param of one fan-out instance reruns only that instance and the report", async () => {
    const run = await runFixture(project, ["combine=[{\"name\":\"p\",\"weight\":1},{\"name\":\"q\",\"weight\":4}]"])
    expect(withOutcome(run, "ran")).toEqual(["combine:q", "report"])
  })

  it("editing a helper imported only by shift reruns shift and its descendants", async () => {
    project.edit("lib/helper-c.ts", (t) => t.replace("x + offset", "x + offset + 1"))
    // heavyShift (not a param) runs shift in a fresh worker process, which sees the edited helper
    const run = await runFixture(project, ["heavyShift=true"])
    expect(withOutcome(run, "ran")).toEqual(["combine:p", "combine:q", "report", "shift"])
    expect(run.record.stages.shift.reasons.some((r) => r.startsWith("source file lib/helper-c.ts changed"))).toBe(true)
  })

  it("editing the README or a test file reruns nothing", async () => {
    project.edit("README.md", (t) => `${t}\nmore words\n`)
    project.edit("test/pipeline.test.ts", (t) => `${t}// edited\n`)
    expect(withOutcome(await runFixture(project), "cached")).toEqual(ALL)
  })

  it("a comment, a reformat or a type-only edit in any module reruns nothing", async () => {
    project.edit("lib/helper-c.ts", (t) => `${t}\n// a comment changes neither the compiled code nor the output\n`)
    project.edit("lib/table.ts", (t) => t.replace("export const readColumn = (file: string): Float64Array =>",
      "/** Reads the first column. */\nexport type Column = Float64Array\nexport const readColumn = (file: string):   Column   =>"))
    project.edit("stages/combine.ts", (t) => t.replace("(item: { name: string }, name: string)", "(item: { name: string; weight?: number }, name: string)"))
    const run = await runFixture(project, ["heavyShift=true"])
    expect(withOutcome(run, "cached")).toEqual(ALL)
  })

  it("early cutoff: a rerun with byte-identical output leaves descendants cached", async () => {
    project.edit("lib/helper-c.ts", (t) => t.replace("x + offset + 1", "offset + x + 1"))
    const run = await runFixture(project, ["heavyShift=true"])
    expect(withOutcome(run, "ran")).toEqual(["shift"])
    expect(withOutcome(run, "cached")).toEqual(["combine:p", "combine:q", "report", "scale", "source"])
  })

  it("--force reruns the stage; identical bytes keep descendants cached", async () => {
    const run = await runFixture(project, [], { force: ["source"] })
    expect(withOutcome(run, "ran")).toEqual(["source"])
  })

  it("targets run only those stages and their ancestors", async () => {
    const run = await runFixture(project, ["shift.offset=7"], { targets: ["shift"] })
    expect(Object.keys(run.outcomes).sort()).toEqual(["shift", "source"])
    expect(withOutcome(run, "ran")).toEqual(["shift"])
  })
})
