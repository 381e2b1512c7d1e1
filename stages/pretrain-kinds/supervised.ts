/** The supervised reference's pretrain stages: their code key holds its loss (ml/methods/supervised.ts) and no other kind's. */
import { trainedPretrain } from "../pretrain.ts"

export const supervisedPretrain = trainedPretrain("supervised", import.meta.url, async () => {
  const { makeSupervised } = await import("../../ml/methods/supervised.ts")
  return (_config, context) => makeSupervised(context)
})
