/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives
 * such as the linear probe's L2-regularised softmax regression. Deterministic, plain JS.
 */

/** Objective value at `x`; writes the gradient into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number

export interface LbfgsResult {
  readonly x: Float64Array
  readonly value: number
  readonly iterations: number
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

/** Minimises `objective` from `start` for at most `maxIterations` iterations. */
export const minimizeLbfgs = (
  objective: Objective,
  start: Float64Array,
  maxIterations: number,
  memory = 10,
  tolerance = 1e-6
): LbfgsResult => {
  const n = start.length
  let x = Float64Array.from(start)
  let gradient = new Float64Array(n)
  let value = objective(x, gradient)
  const pairs: Array<{ s: Float64Array; y: Float64Array; rho: number }> = []
  const direction = new Float64Array(n)
  let iterations = 0
  for (; iterations < maxIterations; iterations++) {
    if (Math.sqrt(dot(gradient, gradient)) < tolerance) break
    searchDirection(gradient, pairs, direction)
    let slope = dot(direction, gradient)
    if (slope >= 0) {
      // Not a descent direction (curvature info went stale): restart from steepest descent.
      pairs.length = 0
      for (let i = 0; i < n; i++) direction[i] = -gradient[i]
      slope = dot(direction, gradient)
    }
    let step = pairs.length === 0 ? 1 / Math.max(1, Math.sqrt(dot(gradient, gradient))) : 1
    const next = new Float64Array(n)
    const nextGradient = new Float64Array(n)
    let nextValue = Infinity
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) next[i] = x[i] + step * direction[i]
      nextValue = objective(next, nextGradient)
      if (nextValue <= value + 1e-4 * step * slope) break
      step *= 0.5
    }
    if (!(nextValue < value)) break
    const s = new Float64Array(n)
    const y = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      s[i] = next[i] - x[i]
      y[i] = nextGradient[i] - gradient[i]
    }
    const sy = dot(s, y)
    if (sy > 1e-12) {
      pairs.push({ s, y, rho: 1 / sy })
      if (pairs.length > memory) pairs.shift()
    }
    const improvement = value - nextValue
    x = next
    gradient = nextGradient
    value = nextValue
    if (improvement < tolerance * Math.max(1, Math.abs(value))) {
      iterations++
      break
    }
  }
  return { x, value, iterations }
}

/** The two-loop recursion: direction = -H * gradient. */
const searchDirection = (
  gradient: Float64Array,
  pairs: ReadonlyArray<{ s: Float64Array; y: Float64Array; rho: number }>,
  out: Float64Array
): void => {
  out.set(gradient)
  const alphas = new Float64Array(pairs.length)
  for (let k = pairs.length - 1; k >= 0; k--) {
    const { s, y, rho } = pairs[k]
    alphas[k] = rho * dot(s, out)
    for (let i = 0; i < out.length; i++) out[i] -= alphas[k] * y[i]
  }
  if (pairs.length > 0) {
    const { s, y } = pairs[pairs.length - 1]
    const gamma = dot(s, y) / dot(y, y)
    for (let i = 0; i < out.length; i++) out[i] *= gamma
  }
  for (let k = 0; k < pairs.length; k++) {
    const { s, y, rho } = pairs[k]
    const beta = rho * dot(y, out)
    for (let i = 0; i < out.length; i++) out[i] += (alphas[k] - beta) * s[i]
  }
  for (let i = 0; i < out.length; i++) out[i] = -out[i]
}
