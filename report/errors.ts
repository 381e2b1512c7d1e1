/** The report's tagged errors; each names the artifact or chart and, where useful, how to fix it. */
import * as Data from "effect/Data"

/** An input artifact of the report is missing, unreadable, or not in the format docs/ARCHITECTURE.md describes. */
export class ReportInputError extends Data.TaggedError("ReportInputError")<{ message: string; hint?: string }> {}

/** vega-lite or vega could not compile or render a chart. */
export class ChartRenderError extends Data.TaggedError("ChartRenderError")<{ message: string; hint?: string }> {}

/** An output file of the report could not be written. */
export class ReportWriteError extends Data.TaggedError("ReportWriteError")<{ message: string; hint?: string }> {}
