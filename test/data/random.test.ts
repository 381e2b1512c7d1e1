import { describe, expect, it } from "vitest"
import { makeRng, permutation } from "../../data/random.ts"

describe("makeRng", () => {
  it("repeats the same sequence for the same seed and differs across seeds", () => {
    const a = makeRng(42), b = makeRng(42), c = makeRng(43)
    const seqA = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA)
  })
  it("continues draw for draw from a saved state, the spare normal draw included", () => {
    const rng = makeRng("state")
    rng.next()
    rng.normal() // leaves Box-Muller's second draw waiting
    const saved = JSON.parse(JSON.stringify(rng.state()))
    const expected = [rng.normal(), rng.next(), rng.int(1000), rng.normal()]
    const other = makeRng("another seed")
    other.restore(saved)
    expect([other.normal(), other.next(), other.int(1000), other.normal()]).toEqual(expected)
  })

  it("forks independently of draw order", () => {
    const a = makeRng(1)
    a.next()
    expect(a.fork("x").next()).toBe(makeRng(1).fork("x").next())
  })
  it("permutes every index exactly once", () => {
    const p = Array.from(permutation(100, makeRng(7))).sort((x, y) => x - y)
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})
