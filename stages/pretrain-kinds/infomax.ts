/** The infomax kind's pretrain stages: their code key holds its loss (ml/methods/infomax.ts) and no other kind's. */
import { trainedPretrain } from "../pretrain.ts"

export const infomaxPretrain = trainedPretrain("infomax", import.meta.url, async () => (await import("../../ml/methods/infomax.ts")).makeInfomax)
