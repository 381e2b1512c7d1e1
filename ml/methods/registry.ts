/**
 * Builds the trainable method for any trained kind: for tests and benches. The pipeline's stages do not
 * import it (their code keys would then hold every kind's loss): see stages/pretrain-kinds.ts.
 */
import { makeAutoencoder } from "./autoencoder.ts"
import { makeContrastive } from "./contrastive.ts"
import { makeInfomax } from "./infomax.ts"
import type { MethodBuilder } from "./method.ts"
import { makeSupervised } from "./supervised.ts"

export const makeMethod: MethodBuilder = (config, context) => {
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
