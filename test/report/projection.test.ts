import { describe, expect, it } from "vitest"
import { makeRng } from "../../data/random.ts"
import type { ProjectionInput } from "../../report/projection.ts"
import { projectEmbeddings, subsampleRows } from "../../report/projection.ts"

/** Points spread 10x along axis 2, 3x along axis 0, little elsewhere: PCA must find axes 2 then 0. */
const anisotropic = (rows: number, dim: number): ProjectionInput => {
  const rng = makeRng("anisotropic")
  const values = new Float32Array(rows * dim)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) values[i * dim + j] = 0.1 * rng.normal() + 5
    values[i * dim + 2] += 10 * rng.normal()
    values[i * dim] += 3 * rng.normal()
  }
  return { ids: Int32Array.from({ length: rows }, (_, i) => i), labels: new Uint8Array(rows), values, count: rows, dim }
}

describe("projection", () => {
  it("subsamples deterministically, sorted, without repeats, and keeps everything when small", () => {
    const a = subsampleRows(10_000, 500, makeRng(7).fork("rows"))
    const b = subsampleRows(10_000, 500, makeRng(7).fork("rows"))
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(new Set(a).size).toBe(500)
    expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y))
    expect(Array.from(subsampleRows(10_000, 500, makeRng(8).fork("rows")))).not.toEqual(Array.from(a))
    expect(Array.from(subsampleRows(5, 500, makeRng(7)))).toEqual([0, 1, 2, 3, 4])
  })

  it("finds the two directions of largest variance, with a fixed sign", () => {
    const embeddings = anisotropic(1003, 12)
    const rows = subsampleRows(embeddings.count, 1003, makeRng(1))
    const p = projectEmbeddings(embeddings, rows, makeRng(1))
    // Projection onto axis 2 (up to centering) equals the x coordinate.
    const meanOf = (j: number) => Array.from(rows).reduce((s, r) => s + embeddings.values[r * 12 + j], 0) / rows.length
    const m2 = meanOf(2)
    const m0 = meanOf(0)
    let err2 = 0
    let err0 = 0
    p.points.forEach((pt, i) => {
      err2 = Math.max(err2, Math.abs(Math.abs(pt.x) - Math.abs(embeddings.values[rows[i] * 12 + 2] - m2)))
      err0 = Math.max(err0, Math.abs(Math.abs(pt.y) - Math.abs(embeddings.values[rows[i] * 12] - m0)))
    })
    expect(err2).toBeLessThan(0.5)
    expect(err0).toBeLessThan(0.5)
    expect(p.explained[0]).toBeGreaterThan(0.85)
    expect(p.explained[1]).toBeGreaterThan(0.05)
    // A different start vector converges to the same, sign-fixed axes.
    const q = projectEmbeddings(embeddings, rows, makeRng(99))
    p.points.forEach((pt, i) => {
      expect(q.points[i].x).toBeCloseTo(pt.x, 3)
      expect(q.points[i].y).toBeCloseTo(pt.y, 3)
    })
  })

  it("handles constant embeddings without NaN", () => {
    const rows = 20
    const flat: ProjectionInput = { ids: new Int32Array(rows), labels: new Uint8Array(rows), values: new Float32Array(rows * 4).fill(1), count: rows, dim: 4 }
    const p = projectEmbeddings(flat, subsampleRows(rows, 100, makeRng(1)), makeRng(1))
    expect(p.points.every((pt) => pt.x === 0 && pt.y === 0)).toBe(true)
    expect(p.explained).toEqual([0, 0])
  })
})
