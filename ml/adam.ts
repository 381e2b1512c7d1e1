/**
 * tfjs's Adam with each small variable's update as one kernel (./kernels/adam-update.ts) where the
 * backend has it (the wasm kernel sets); large variables, and other backends, take tfjs-core's own ops.
 * Same state, same bytes, same checkpoints as `tf.train.adam`.
 */
import * as tf from "@tensorflow/tfjs-core"
import { ADAM_UPDATE, type AdamUpdateAttrs } from "./kernels/adam-update.ts"

/** AdamOptimizer's fields that its TypeScript declarations keep private. */
interface AdamState {
  readonly accBeta1: tf.Variable
  readonly accBeta2: tf.Variable
  readonly accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>
  readonly accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>
}

/**
 * Variables up to this size take the one-kernel update. Measured (one thread, `tf.train.adam` vs this):
 * 1,000 elements 1.3 vs 0.5 ms, 30,000 0.83 vs 0.47 ms, 100,000 0.51 vs 1.0 ms, 7.2 M 41 vs 89 ms: tfjs-core's
 * ops cost ~0.4 ms of bookkeeping per variable, then run SIMD on XNNPACK; the kernel is scalar JavaScript.
 */
const FUSED_MAX_ELEMENTS = 65536

type VariableGradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0]

/** tfjs-core's update of one variable, op for op (AdamOptimizer.applyGradients): [x, m, v]. */
const adamOps = (
  x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor,
  c: { learningRate: number; beta1: number; beta2: number; epsilon: number },
  oneMinusAccBeta1: tf.Tensor, oneMinusAccBeta2: tf.Tensor
): Array<tf.Tensor> => {
  const mNew = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1))
  const vNew = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2))
  const corrected = tf.div(tf.div(mNew, oneMinusAccBeta1), tf.add(tf.sqrt(tf.div(vNew, oneMinusAccBeta2)), c.epsilon))
  return [tf.add(tf.mul(corrected, -c.learningRate), x), mNew, vNew]
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** The rate of the next steps (a schedule sets it before each step; the moments are untouched). */
  setLearningRate(rate: number): void {
    this.learningRate = rate
  }

  override applyGradients(variableGradients: VariableGradients): void {
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) return super.applyGradients(variableGradients)
    const state = this as unknown as AdamState
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients)
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, state.accBeta1), oneMinusAccBeta2 = tf.sub(1, state.accBeta2)
      const attrs: AdamUpdateAttrs = {
        learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
        oneMinusAccBeta1: oneMinusAccBeta1.dataSync()[0],
        oneMinusAccBeta2: oneMinusAccBeta2.dataSync()[0]
      }
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]
        // the moments start at zero, created where and as tfjs-core creates them
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : (variableGradients as tf.NamedTensorMap)[name]
        if (gradient == null) return
        const m = state.accumulatedFirstMoment[i]!.variable, v = state.accumulatedSecondMoment[i]!.variable
        const [x, mNew, vNew] = value.size <= FUSED_MAX_ELEMENTS
          ? tf.engine().runKernel(ADAM_UPDATE, { x: value, m, v, g: gradient }, attrs as unknown as tf.NamedAttrMap) as Array<tf.Tensor>
          : adamOps(value, m, v, gradient, attrs, oneMinusAccBeta1, oneMinusAccBeta2)
        m.assign(mNew)
        v.assign(vNew)
        value.assign(x)
      })
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1))
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2))
    })
    this.incrementIterations()
  }
}

/** `tf.train.adam(learningRate)` with the fused update: beta1 0.9, beta2 0.999, the backend's epsilon. */
export const adam = (learningRate: number): FusedAdamOptimizer => new FusedAdamOptimizer(learningRate, 0.9, 0.999)
