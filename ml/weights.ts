/**
 * Named trainable parameters built from the seeded generator (tfjs-core has no initializers),
 * so every method's init is reproducible from the config seed.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { Rng } from "../data/random.ts"

/** Parameters by name, in creation order (the order weights are saved in). */
export type ParamSet = Map<string, tf.Variable>

/** He-normal init for a ReLU layer with the given fan-in. */
export const heNormal = (shape: ReadonlyArray<number>, fanIn: number, rng: Rng): tf.Variable => {
  const size = shape.reduce((a, b) => a * b, 1)
  const values = new Float32Array(size)
  const std = Math.sqrt(2 / fanIn)
  for (let i = 0; i < size; i++) values[i] = rng.normal() * std
  return toVariable(tf.tensor(values, [...shape]))
}

export const zeros = (shape: ReadonlyArray<number>): tf.Variable => toVariable(tf.zeros([...shape]))

/** A variable owning a copy of `initial`, which is released (tf.variable does not take it over). */
const toVariable = (initial: tf.Tensor): tf.Variable => {
  const variable = tf.variable(initial)
  initial.dispose()
  return variable
}

/** A dense layer's weight and bias, registered under `prefix`. */
export const addDense = (params: ParamSet, prefix: string, inDim: number, outDim: number, rng: Rng): void => {
  params.set(`${prefix}.w`, heNormal([inDim, outDim], inDim, rng))
  params.set(`${prefix}.b`, zeros([outDim]))
}

/** x W + b. */
export const dense = (params: ParamSet, prefix: string, x: tf.Tensor2D): tf.Tensor2D =>
  tf.add(tf.matMul(x, param(params, prefix + ".w") as tf.Tensor2D), param(params, prefix + ".b"))

/** The parameter `name`; a missing one is a programming error. */
export const param = (params: ParamSet, name: string): tf.Variable => {
  const value = params.get(name)
  if (value === undefined) throw new Error(`no parameter named ${name}`)
  return value
}

export const disposeParams = (params: ParamSet): void => {
  for (const v of params.values()) v.dispose()
  params.clear()
}
