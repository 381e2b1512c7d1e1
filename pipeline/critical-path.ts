/**
 * Scheduling priorities for stages that wait for a slot: a stage's expected seconds plus the longest
 * expected chain below it (critical-path list scheduling). Starting the longest chains first shortens
 * a run whenever ready stages outnumber the slots, e.g. four pretrain stages on two cores.
 */
import type { StageDefinition } from "./stage.ts"

/** Priority of every stage in `stages`; `expectedSeconds` is a guess of one stage's own run time. */
export const criticalPathPriorities = (
  stages: ReadonlyArray<StageDefinition<any>>,
  expectedSeconds: (stage: string) => number
): Map<string, number> => {
  const children = new Map<string, Array<string>>(stages.map((s) => [s.name, []]))
  for (const stage of stages) {
    for (const upstream of new Set(Object.values(stage.inputs).map((r) => r.stage))) children.get(upstream)?.push(stage.name)
  }
  const priorities = new Map<string, number>()
  const priorityOf = (name: string): number => {
    const known = priorities.get(name)
    if (known !== undefined) return known
    const below = Math.max(0, ...children.get(name)!.map(priorityOf))
    const priority = expectedSeconds(name) + below
    priorities.set(name, priority)
    return priority
  }
  for (const stage of stages) priorityOf(stage.name)
  return priorities
}
