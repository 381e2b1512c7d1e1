import { describe, expect, it } from "vitest"
import { seedSpread, tQuantile975 } from "../../report/interval.ts"

describe("seedSpread", () => {
  it("gives mean, sample std and the 95% t interval (checked against scipy.stats.t.interval)", () => {
    const s = seedSpread([0.79, 0.81, 0.8])
    expect(s.n).toBe(3)
    expect(s.mean).toBeCloseTo(0.8, 12)
    expect(s.std).toBeCloseTo(0.01, 12)
    expect(s.low).toBeCloseTo(0.7751586228824968, 10)
    expect(s.high).toBeCloseTo(0.8248413771175035, 10)
    // two seeds: t(0.975, 1) = 12.71, a wide interval, as it should be
    const two = seedSpread([0.5, 0.7])
    expect(two.low).toBeCloseTo(-0.6706204736174691, 9)
    expect(two.high).toBeCloseTo(1.870620473617469, 9)
  })

  it("has no spread and no interval for one seed", () => {
    expect(seedSpread([0.8315])).toEqual({ n: 1, mean: 0.8315, std: null, low: null, high: null })
    expect(() => seedSpread([])).toThrow(RangeError)
  })

  it("uses Student's t quantiles (scipy.stats.t.ppf(0.975, df))", () => {
    expect(tQuantile975(1)).toBe(12.706204736)
    expect(tQuantile975(2)).toBe(4.30265273)
    expect(tQuantile975(30)).toBe(2.042272456)
    expect(tQuantile975(31)).toBeCloseTo(2.039513446396408, 5)
    expect(tQuantile975(100)).toBeCloseTo(1.9839715185235518, 7)
    expect(() => tQuantile975(0)).toThrow(RangeError)
  })
})
