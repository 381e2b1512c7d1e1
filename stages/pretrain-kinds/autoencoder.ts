/** The autoencoder kind's pretrain stages: their code key holds its loss (ml/methods/autoencoder.ts) and no other kind's. */
import { trainedPretrain } from "../pretrain.ts"

export const autoencoderPretrain = trainedPretrain("autoencoder", import.meta.url, async () => (await import("../../ml/methods/autoencoder.ts")).makeAutoencoder)
