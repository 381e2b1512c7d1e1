/** Human-readable sizes for CLI lines and stale reasons. */

/** `bytes` as mebibytes with one decimal, e.g. "11.0 MiB". */
export const mebibytes = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`
