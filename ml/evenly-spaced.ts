/**
 * A deterministic, seed-free subset of an embedding table: `n` rows evenly spaced over it, in order.
 * Evaluations at the article's scale (800k train images) read such a subset as their labelled train set:
 * the probe's solver keeps its data on the 4 GB wasm heap, and kNN's cost grows with the bank. Evenly
 * spaced rows of a split keep its class mix (splits are stratified), with no extra random draw to seed.
 */
import type { EmbeddingTable } from "./tables/embeddings.ts"

/** Rows floor(i * count / n), i < n; the table itself when it has no more than `n` rows. */
export const evenlySpacedRows = (table: EmbeddingTable, n: number): EmbeddingTable => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`evenlySpacedRows: n must be a positive integer, got ${n}`)
  if (table.count <= n) return table
  const { dim } = table
  const values = new Float32Array(n * dim)
  const labels = new Uint8Array(n)
  const ids = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const row = Math.floor((i * table.count) / n)
    values.set(table.values.subarray(row * dim, (row + 1) * dim), i * dim)
    labels[i] = table.labels[row]
    ids[i] = table.ids[row]
  }
  return { ...table, values, labels, ids, count: n }
}
