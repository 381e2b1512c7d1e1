/** Builds the trainable method for a config entry; baselines without training have none. */
import type { TrainedMethodConfig } from "../../schemas/methods.ts"
import { makeAutoencoder } from "./autoencoder.ts"
import { makeContrastive } from "./contrastive.ts"
import { makeInfomax } from "./infomax.ts"
import type { MethodContext, TrainableMethod } from "./method.ts"
import { makeSupervised } from "./supervised.ts"

export const makeMethod = (config: TrainedMethodConfig, context: MethodContext): TrainableMethod => {
  switch (config.kind) {
    case "autoencoder":
      return makeAutoencoder(config, context)
    case "contrastive":
      return makeContrastive(config, context)
    case "infomax":
      return makeInfomax(config, context)
    case "supervised":
      return makeSupervised(context)
  }
}
