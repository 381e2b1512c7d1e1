/**
 * tfjs's Adam with each variable's update as one kernel (./kernels/adam-update.ts) where the backend
 * has it (the wasm kernel sets); elsewhere tfjs-core's own update. Same state, same bytes, same
 * checkpoints as `tf.train.adam`.
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

type VariableGradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0]

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) return super.applyGradients(variableGradients)
    const state = this as unknown as AdamState
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients)
    tf.tidy(() => {
      const attrs: AdamUpdateAttrs = {
        learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
        oneMinusAccBeta1: tf.sub(1, state.accBeta1).dataSync()[0],
        oneMinusAccBeta2: tf.sub(1, state.accBeta2).dataSync()[0]
      }
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]
        // the moments start at zero, created where and as tfjs-core creates them
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : (variableGradients as tf.NamedTensorMap)[name]
        if (gradient == null) return
        const m = state.accumulatedFirstMoment[i]!.variable, v = state.accumulatedSecondMoment[i]!.variable
        const [x, mNew, vNew] = tf.engine().runKernel(ADAM_UPDATE, { x: value, m, v, g: gradient }, attrs as unknown as tf.NamedAttrMap) as Array<tf.Tensor>
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
