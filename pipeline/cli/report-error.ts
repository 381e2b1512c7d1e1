/** The CLI edge: every tagged error becomes one human message (what, where, how to fix) and an exit code. */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** 2 for usage and config mistakes, 1 for failed stages, audits and store problems. */
export const exitCodeOf = (error: unknown): number => {
  if (ValidationError.isValidationError(error)) return ValidationError.isHelpRequested(error) ? 0 : 2
  const tag = (error as { _tag?: string })._tag
  return tag === "ConfigError" || tag === "GraphError" || tag === "UsageError" ? 2 : 1
}

const describe = (error: unknown): string | undefined => {
  // @effect/cli already printed its own usage message for argument errors
  if (ValidationError.isValidationError(error)) return undefined
  const e = error as { _tag?: string; message?: string; hint?: string }
  const lines = [`error: ${e.message ?? String(error)}`]
  if (e.hint) lines.push(`hint: ${e.hint}`)
  return lines.join("\n")
}

/** Prints the failure on stderr and returns the exit code; defects (bugs) keep their stack trace. */
export const reportFailure = (cause: Cause.Cause<unknown>): Effect.Effect<number> =>
  Effect.gen(function* () {
    if (Cause.isInterruptedOnly(cause)) return 130
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) {
      const text = describe(failure.value)
      if (text) yield* Console.error(text)
      return exitCodeOf(failure.value)
    }
    yield* Console.error(`internal error (a bug in the pipeline runner):\n${Cause.pretty(cause)}`)
    return 1
  })
