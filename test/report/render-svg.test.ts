import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { confusionSpec } from "../../report/charts.ts"
import { renderSvg } from "../../report/render-svg.ts"

const names = ["a", "b", "c"]
const cells = [
  { trueLabel: 0, predictedLabel: 0, count: 8 },
  { trueLabel: 0, predictedLabel: 1, count: 2 },
  { trueLabel: 1, predictedLabel: 1, count: 10 },
  { trueLabel: 2, predictedLabel: 0, count: 3 },
  { trueLabel: 2, predictedLabel: 2, count: 7 }
]

describe("renderSvg", () => {
  it.effect("renders a confusion matrix to SVG with one cell per class pair and scoped ids", () =>
    Effect.gen(function* () {
      const svg = yield* renderSvg(confusionSpec("m", cells, names), "confusion-m")
      expect(svg.startsWith("<svg")).toBe(true)
      expect(svg.match(/aria-roledescription="rect"/g)?.length ?? (svg.match(/<path[^>]*role="graphics-symbol"/g)?.length ?? 0)).toBeGreaterThanOrEqual(9)
      const ids = Array.from(svg.matchAll(/\bid="([^"]+)"/g), (m) => m[1])
      expect(ids.length).toBeGreaterThan(0)
      expect(ids.every((id) => id.startsWith("confusion-m-"))).toBe(true)
      for (const ref of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1])
    })
  )

  it.effect("is byte-identical whatever was rendered before in the process", () =>
    Effect.gen(function* () {
      const first = yield* renderSvg(confusionSpec("m", cells, names), "x")
      yield* renderSvg(confusionSpec("other", cells, names), "y")
      const again = yield* renderSvg(confusionSpec("m", cells, names), "x")
      expect(again).toBe(first)
    })
  )

  it.effect("refuses to load data from a URL instead of reaching the network", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        renderSvg({ data: { url: "https://example.com/data.json" }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } }, "remote")
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toMatch(/refused|offline/)
    })
  )
})
