/**
 * Bench flags through node:util's parseArgs: an unknown flag, a missing value or a non-number where
 * a number is expected is a usage error (exit 2) that names it, never silently ignored.
 */
import { parseArgs, type ParseArgsConfig } from "node:util"

const usageError = (message: string, usage: string): never => {
  console.error(`${message}\nusage: ${usage}`)
  process.exit(2)
}

/** Parses `process.argv.slice(2)` (bench/main.ts has taken the bench's name off) against `config`. */
export const benchArgs = <const T extends Omit<ParseArgsConfig, "args" | "strict">>(usage: string, config: T) => {
  try {
    return parseArgs({ ...config, args: process.argv.slice(2), strict: true })
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error), usage)
  }
}

/** A flag that takes one of `choices` (or its default), checked. */
export const choiceFlag = <const C extends string>(usage: string, name: string, value: string | undefined, choices: ReadonlyArray<C>, fallback: C | undefined): C | undefined => {
  if (value === undefined) return fallback
  return (choices as ReadonlyArray<string>).includes(value) ? (value as C) : usageError(`--${name} expects one of ${choices.join(", ")}, got "${value}"`, usage)
}

/** A numeric flag's value (or its default), checked. */
export const numberFlag = (usage: string, name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  const n = Number(value)
  return Number.isFinite(n) ? n : usageError(`--${name} expects a number, got "${value}"`, usage)
}

/** A whole-number flag of at least 1 (a count), or its default, checked. */
export const countFlag = (usage: string, name: string, value: string | undefined, fallback: number | undefined): number | undefined => {
  if (value === undefined) return fallback
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 ? n : usageError(`--${name} expects a whole number of at least 1, got "${value}"`, usage)
}

/** A comma-separated list of numbers, checked. */
export const numberListFlag = (usage: string, name: string, value: string): Array<number> =>
  value.split(",").map((v) => numberFlag(usage, name, v, NaN))
