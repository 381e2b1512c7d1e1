/** Human-readable sizes, hashes and value diffs for CLI lines and stale reasons. */

/** `bytes` as mebibytes with one decimal, e.g. "11.0 MiB". */
export const mebibytes = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`

/** The first 12 hex digits of a sha256: enough to tell hashes apart in a line meant for people. */
export const shortHash = (hash: string | undefined): string => (hash ? hash.slice(0, 12) : "(none)")

/** A JSON value as its leaves, `a.b.0.c -> JSON of the value`: what param and config diffs compare key by key. */
export const jsonLeaves = (value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> => {
  if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) jsonLeaves(v, prefix ? `${prefix}.${k}` : k, out)
  } else {
    out[prefix || "(whole)"] = JSON.stringify(value)
  }
  return out
}
