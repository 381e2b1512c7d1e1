/**
 * Seeded randomness. Every random draw in SEED comes from an `Rng` made from the config's seed,
 * never from the unseeded global generator, so the same config gives the same artifacts.
 */

/** A generator's exact position: xoshiro's four words and Box-Muller's spare draw (a checkpoint saves it). */
export type RngState = readonly [number, number, number, number, number | null]

/** A seeded pseudo-random generator (xoshiro128**). */
export interface Rng {
  /** Uniform float in [0, 1). */
  readonly next: () => number
  /** Uniform integer in [0, maxExclusive). */
  readonly int: (maxExclusive: number) => number
  /** Standard normal draw (Box-Muller). */
  readonly normal: () => number
  /** An independent generator derived from this one's seed and a label (order-independent). */
  readonly fork: (label: string) => Rng
  /** A 32-bit integer seed for libraries that take one (tfjs initializers). */
  readonly seed32: () => number
  /** Where the sequence stands now. */
  readonly state: () => RngState
  /** Continues the sequence from a saved `state()`, draw for draw. */
  readonly restore: (state: RngState) => void
}

/** cyrb128: hashes a string to four 32-bit words, used to seed xoshiro from any label. */
const hashToState = (text: string): [number, number, number, number] => {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0]
}

/** Makes a generator from a seed; the same seed always yields the same sequence. */
export const makeRng = (seed: number | string): Rng => {
  const label = String(seed)
  let [a, b, c, d] = hashToState(label)
  const nextU32 = (): number => {
    const t = b << 9
    let r = Math.imul(b, 5)
    r = Math.imul((r << 7) | (r >>> 25), 9)
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = (d << 11) | (d >>> 21)
    return r >>> 0
  }
  const next = () => nextU32() / 4294967296
  let spare: number | undefined
  return {
    next,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    normal: () => {
      if (spare !== undefined) {
        const s = spare
        spare = undefined
        return s
      }
      const u = 1 - next()
      const v = next()
      const radius = Math.sqrt(-2 * Math.log(u))
      spare = radius * Math.sin(2 * Math.PI * v)
      return radius * Math.cos(2 * Math.PI * v)
    },
    fork: (child) => makeRng(`${label}/${child}`),
    seed32: () => nextU32(),
    state: () => [a, b, c, d, spare ?? null],
    restore: (state) => {
      ;[a, b, c, d] = state
      spare = state[4] ?? undefined
    }
  }
}

/** Fisher-Yates shuffle of [0, n) with the given generator. */
export const permutation = (n: number, rng: Rng): Uint32Array => {
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const tmp = order[i]
    order[i] = order[j]
    order[j] = tmp
  }
  return order
}
