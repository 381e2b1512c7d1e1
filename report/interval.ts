/**
 * Spread across training seeds: mean, sample standard deviation and the two-sided 95% Student t
 * interval of the mean (n - 1 degrees of freedom). With one seed there is no spread to estimate,
 * so std and interval are null rather than a misleading zero.
 */

/** t(0.975, df) for df = 1..30 (scipy.stats.t.ppf, 9 digits). */
const t975 = [
  12.706204736, 4.30265273, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135, 2.262157163, 2.228138852,
  2.20098516, 2.17881283, 2.160368656, 2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.10092204, 2.093024054, 2.085963447,
  2.079613845, 2.073873068, 2.06865761, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456
]

/** The 97.5% quantile of Student's t: the table up to 30, a Cornish-Fisher expansion beyond (error < 1e-5). */
export const tQuantile975 = (df: number): number => {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`)
  if (df <= t975.length) return t975[df - 1]
  const z = 1.959963984540054
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3)
}

export interface SeedSpread {
  readonly n: number
  readonly mean: number
  /** Sample standard deviation (n - 1); null with one value. */
  readonly std: number | null
  /** 95% t interval of the mean; null with one value. */
  readonly low: number | null
  readonly high: number | null
}

/** Mean, spread and 95% interval of one number per seed. */
export const seedSpread = (values: ReadonlyArray<number>): SeedSpread => {
  const n = values.length
  if (n === 0) throw new RangeError("seedSpread needs at least one value")
  const mean = values.reduce((a, b) => a + b, 0) / n
  if (n === 1) return { n, mean, std: null, low: null, high: null }
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1))
  const half = tQuantile975(n - 1) * (std / Math.sqrt(n))
  return { n, mean, std, low: mean - half, high: mean + half }
}
