import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { criticalPathPriorities } from "../../pipeline/critical-path.ts"
import { buildGraph, renderMermaid, selectTargets } from "../../pipeline/graph.ts"
import { defineStage, fanOut, type OutputRef } from "../../pipeline/stage.ts"
import { safeName } from "../../pipeline/store.ts"

const stage = (name: string, inputs: Record<string, OutputRef> = {}) =>
  defineStage({
    name, module: import.meta.url, params: Schema.Struct({}), selectParams: () => ({}),
    inputs, outputs: { out: { description: "x" } }, run: () => Effect.void
  })

const graphError = (stages: Parameters<typeof buildGraph>[0]) => {
  const result = Effect.runSync(Effect.either(buildGraph(stages)))
  if (Either.isRight(result)) throw new Error("expected a graph error")
  return result.left.message
}

describe("stage graph", () => {
  it("orders fan-out stages after their inputs and selects ancestors of targets", () => {
    const stages = [
      stage("report", { a: { stage: "probe:a", output: "out" }, b: { stage: "probe:b", output: "out" } }),
      ...fanOut(["a", "b"], (m) => stage(`probe:${m}`, { x: { stage: `pretrain:${m}`, output: "out" } })),
      ...fanOut(["a", "b"], (m) => stage(`pretrain:${m}`, { x: { stage: "ingest", output: "out" } })),
      stage("ingest")
    ]
    const graph = Effect.runSync(buildGraph(stages))
    const order = graph.order.map((s) => s.name)
    for (const s of graph.order) for (const dep of graph.upstream.get(s.name)!) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(s.name))
    expect(Effect.runSync(selectTargets(graph, ["probe:b"])).map((s) => s.name)).toEqual(["ingest", "pretrain:b", "probe:b"])
    expect(renderMermaid(graph)).toContain('["pretrain:a"]')
  })

  it("rejects cycles, unknown inputs, undeclared outputs and duplicate names, naming them", () => {
    expect(graphError([stage("a", { x: { stage: "b", output: "out" } }), stage("b", { y: { stage: "a", output: "out" } })]))
      .toMatch(/cycle: (a -> b -> a|b -> a -> b)/)
    expect(graphError([stage("a", { x: { stage: "nope", output: "out" } })])).toMatch(/stage "a" input "x" refers to unknown stage "nope"/)
    expect(graphError([stage("b"), stage("a", { x: { stage: "b", output: "other" } })])).toMatch(/"b\.other", which "b" does not declare/)
    expect(graphError([stage("a"), stage("a")])).toMatch(/two stages are named "a"/)
  })

  it("makes stage names safe as file names", () => {
    expect(safeName("pretrain:contrastive")).toBe("pretrain%3Acontrastive")
    expect(safeName("../x y")).toBe("..%2Fx%20y")
    expect(safeName("..")).toBe("%2E%2E")
    for (const name of ["probe:a/b", "..", "50%", "%2E", "méthode*(1)", "😀"]) expect(decodeURIComponent(safeName(name))).toBe(name)
  })

  it("ranks each stage by its expected time plus the longest expected chain below it", () => {
    const seconds: Record<string, number> = { ingest: 1, "pretrain:a": 100, "pretrain:b": 10, "probe:a": 1, "probe:b": 50, report: 2 }
    const stages = [
      stage("ingest"),
      stage("pretrain:a", { x: { stage: "ingest", output: "out" } }),
      stage("pretrain:b", { x: { stage: "ingest", output: "out" } }),
      stage("probe:a", { x: { stage: "pretrain:a", output: "out" } }),
      stage("probe:b", { x: { stage: "pretrain:b", output: "out" } }),
      stage("report", { a: { stage: "probe:a", output: "out" }, b: { stage: "probe:b", output: "out" } })
    ]
    expect(Object.fromEntries(criticalPathPriorities(stages, (name) => seconds[name]))).toEqual({
      ingest: 104, "pretrain:a": 103, "pretrain:b": 62, "probe:a": 3, "probe:b": 52, report: 2
    })
  })
})
