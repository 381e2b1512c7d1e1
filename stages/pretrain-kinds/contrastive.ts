/** The contrastive kind's pretrain stages: their code key holds its loss (ml/methods/contrastive.ts) and no other kind's. */
import { trainedPretrain } from "../pretrain.ts"

export const contrastivePretrain = trainedPretrain("contrastive", import.meta.url, async () => (await import("../../ml/methods/contrastive.ts")).makeContrastive)
