/** The stage DAG: validation, topological order, ancestor selection and rendering (text, Mermaid). */
import * as Effect from "effect/Effect"
import { GraphError } from "./errors.ts"
import type { StageDefinition } from "./stage.ts"

export interface StageGraph {
  /** Stages in a topological order (every stage after the stages it reads from). */
  readonly order: ReadonlyArray<StageDefinition<any>>
  readonly byName: ReadonlyMap<string, StageDefinition<any>>
  /** Stage name -> names of the stages it reads from. */
  readonly upstream: ReadonlyMap<string, ReadonlyArray<string>>
}

/** Checks names, input references and acyclicity, and orders the stages. */
export const buildGraph = (stages: ReadonlyArray<StageDefinition<any>>): Effect.Effect<StageGraph, GraphError> =>
  Effect.gen(function* () {
    const byName = new Map<string, StageDefinition<any>>()
    for (const stage of stages) {
      if (byName.has(stage.name)) {
        return yield* new GraphError({ message: `two stages are named "${stage.name}"`, hint: "give each stage a unique name (fan-out stages take theirs from their config entry, e.g. a method name)" })
      }
      byName.set(stage.name, stage)
    }
    const upstream = new Map<string, Array<string>>()
    for (const stage of stages) {
      const deps = new Set<string>()
      for (const [local, ref] of Object.entries(stage.inputs)) {
        const producer = byName.get(ref.stage)
        if (!producer) {
          return yield* new GraphError({
            message: `stage "${stage.name}" input "${local}" refers to unknown stage "${ref.stage}"`,
            hint: `known stages: ${[...byName.keys()].join(", ")}`
          })
        }
        if (!producer.outputs[ref.output]) {
          return yield* new GraphError({
            message: `stage "${stage.name}" input "${local}" refers to "${ref.stage}.${ref.output}", which "${ref.stage}" does not declare`,
            hint: `"${ref.stage}" outputs: ${Object.keys(producer.outputs).join(", ")}`
          })
        }
        deps.add(ref.stage)
      }
      upstream.set(stage.name, [...deps])
    }
    const order = yield* topologicalOrder(stages, upstream)
    return { order, byName, upstream }
  })

const topologicalOrder = (
  stages: ReadonlyArray<StageDefinition<any>>,
  upstream: ReadonlyMap<string, ReadonlyArray<string>>
): Effect.Effect<ReadonlyArray<StageDefinition<any>>, GraphError> => {
  const state = new Map<string, "visiting" | "done">()
  const order: Array<StageDefinition<any>> = []
  const byName = new Map(stages.map((s) => [s.name, s]))
  const visit = (name: string, trail: ReadonlyArray<string>): string | undefined => {
    const seen = state.get(name)
    if (seen === "done") return undefined
    if (seen === "visiting") return [...trail.slice(trail.indexOf(name)), name].join(" -> ")
    state.set(name, "visiting")
    for (const dep of upstream.get(name) ?? []) {
      const cycle = visit(dep, [...trail, name])
      if (cycle) return cycle
    }
    state.set(name, "done")
    order.push(byName.get(name)!)
    return undefined
  }
  for (const stage of stages) {
    const cycle = visit(stage.name, [])
    if (cycle) return Effect.fail(new GraphError({ message: `the stages form a cycle: ${cycle}`, hint: "a stage cannot read its own descendants' outputs" }))
  }
  return Effect.succeed(order)
}

/** The targets plus all their ancestors (all stages when `targets` is empty), in topological order. */
export const selectTargets = (graph: StageGraph, targets: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<StageDefinition<any>>, GraphError> =>
  Effect.gen(function* () {
    if (targets.length === 0) return graph.order
    const keep = new Set<string>()
    const add = (name: string): void => {
      if (keep.has(name)) return
      keep.add(name)
      for (const dep of graph.upstream.get(name) ?? []) add(dep)
    }
    for (const target of targets) {
      if (!graph.byName.has(target)) {
        return yield* new GraphError({ message: `unknown stage "${target}"`, hint: `known stages: ${[...graph.byName.keys()].join(", ")}` })
      }
      add(target)
    }
    return graph.order.filter((s) => keep.has(s.name))
  })

/** One line per stage: `name <- input=stage.output, ...`. */
export const renderText = (graph: StageGraph): string =>
  graph.order
    .map((s) => {
      const inputs = Object.entries(s.inputs).map(([local, ref]) => `${local}=${ref.stage}.${ref.output}`)
      const outs = Object.keys(s.outputs).join(", ")
      return `${s.name}${s.heavy ? " [heavy]" : ""}${inputs.length ? ` <- ${inputs.join(", ")}` : ""}  => ${outs}`
    })
    .join("\n")

/** A Mermaid flowchart; edges are labelled with the output that flows along them. */
export const renderMermaid = (graph: StageGraph): string => {
  const id = new Map(graph.order.map((s, i) => [s.name, `s${i}`]))
  const lines = ["flowchart LR"]
  for (const s of graph.order) lines.push(`  ${id.get(s.name)}["${s.name.replace(/"/g, "'")}"]`)
  for (const s of graph.order) {
    for (const ref of Object.values(s.inputs)) lines.push(`  ${id.get(ref.stage)} -->|${ref.output}| ${id.get(s.name)}`)
  }
  return lines.join("\n")
}
