/**
 * Server-side chart rendering: vega-lite compiles a spec to vega, vega renders it headless
 * (renderer "none") to an SVG string. No DOM, and a loader that refuses every fetch, so a
 * spec that tries to load a URL or a file fails loudly instead of reaching the network.
 */
import * as Effect from "effect/Effect"
import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"
import { ChartRenderError } from "./errors.ts"

const refuse = (what: string) => (uri: string) =>
  Promise.reject(new Error(`the report renders offline; refused to ${what} ${uri}`))

/** A vega loader with every entry point refusing (the charts carry their data inline). */
const offlineLoader = (): vega.Loader => ({
  ...vega.loader(),
  load: refuse("load"),
  sanitize: refuse("resolve"),
  http: refuse("fetch"),
  file: refuse("read")
})

/**
 * vega numbers clip paths and gradients from a process-wide counter; renaming them per chart keeps
 * the ids unique when several SVGs share one HTML page and independent of what rendered before.
 */
const scopeIds = (svg: string, prefix: string): string => {
  const ids = [...new Set(Array.from(svg.matchAll(/\bid="([^"]+)"/g), (m) => m[1]))]
  return ids.reduce(
    (text, id, i) =>
      text
        .replaceAll(`id="${id}"`, `id="${prefix}-${i}"`)
        .replaceAll(`url(#${id})`, `url(#${prefix}-${i})`)
        .replaceAll(`href="#${id}"`, `href="#${prefix}-${i}"`),
    svg
  )
}

/** Collects vega's errors and failed loads: the dataflow logs a failed load as a warning instead of throwing. */
const collectingLogger = (errors: Array<string>) =>
  vega.logger(vega.Warn, undefined, (_method, level, input) => {
    const text = Array.from(input, String).join(" ")
    if (level === "ERROR" || text.startsWith("Loading failed")) errors.push(text)
  })

/** Renders a vega-lite spec to a standalone SVG string; `name` scopes its internal ids. */
export const renderSvg = (spec: TopLevelSpec, name: string): Effect.Effect<string, ChartRenderError> => {
  const errors: Array<string> = []
  return Effect.acquireUseRelease(
    Effect.try({
      try: () =>
        new vega.View(vega.parse(compile(spec).spec), { renderer: "none", loader: offlineLoader(), logger: collectingLogger(errors) }),
      catch: (e) => new ChartRenderError({ message: `cannot compile chart "${name}": ${String(e)}`, hint: "check the vega-lite spec in report/charts.ts" })
    }),
    (view) =>
      Effect.tryPromise({
        try: () => view.toSVG(),
        catch: (e) => new ChartRenderError({ message: `cannot render chart "${name}": ${String(e)}` })
      }).pipe(
        Effect.filterOrFail(
          () => errors.length === 0,
          () => new ChartRenderError({ message: `chart "${name}" rendered with errors: ${errors.join("; ")}` })
        ),
        Effect.map((svg) => scopeIds(svg, name))
      ),
    (view) => Effect.sync(() => view.finalize())
  )
}
