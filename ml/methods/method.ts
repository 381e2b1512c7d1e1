/**
 * What a trainable method contributes to the shared training loop: its extra heads and its loss.
 * The loop owns the encoder, the data feed, augmentation, the optimizer and the history.
 */
import type * as tf from "@tensorflow/tfjs-core"
import type { TrainedMethodConfig } from "../../schemas/methods.ts"
import type { Encoder } from "../encoder.ts"
import type { Rng } from "../random.ts"
import type { ParamSet } from "../weights.ts"

/** One training batch as tensors (the loop creates and disposes them). */
export interface BatchTensors {
  /** Augmented views, each [B, h, w, c] in [0, 1]; as many as the method asks for. */
  readonly views: ReadonlyArray<tf.Tensor4D>
  /** Class indices [B] (int32); only the supervised baseline reads them. */
  readonly labels: tf.Tensor1D
  /** For sampling inside the loss: derived from the epoch and step, so a resumed run draws the same numbers. */
  readonly rng: Rng
}

export interface TrainableMethod {
  /** Augmented views per image the loss needs (SimCLR: 2). */
  readonly views: number
  /** Heads trained with the encoder and discarded after pretraining. */
  readonly heads: ParamSet
  /** Scalar loss of one batch; runs inside `optimizer.minimize`, so intermediate tensors are tidied. */
  readonly loss: (batch: BatchTensors) => tf.Scalar
}

/** What a method builder may use besides its own config. */
export interface MethodContext {
  readonly encoder: Encoder
  /** Seeds head initialisation and any in-loss sampling. */
  readonly rng: Rng
  readonly classCount: number
}

/** Builds a trained kind's heads and loss from its config entry (the registry's makeMethod, or one kind's builder). */
export type MethodBuilder = (config: TrainedMethodConfig, context: MethodContext) => TrainableMethod
