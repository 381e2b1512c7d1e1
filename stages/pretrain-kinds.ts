/**
 * Which module each method kind's pretrain stages are keyed by. A trained kind's stages start from its
 * own module (stages/pretrain-kinds/), which imports its loss only: an edit to infomax.ts reruns the
 * infomax pretrains, not the autoencoder's two hours at `full`. The untrained baselines use
 * stages/pretrain.ts itself. This map is the pipeline definition's; no stage module imports it.
 */
import type { MethodConfig } from "../schemas/methods.ts"
import { pretrainStageOfKind, untrainedPretrain, type PretrainKind } from "./pretrain.ts"
import { autoencoderPretrain } from "./pretrain-kinds/autoencoder.ts"
import { contrastivePretrain } from "./pretrain-kinds/contrastive.ts"
import { infomaxPretrain } from "./pretrain-kinds/infomax.ts"
import { supervisedPretrain } from "./pretrain-kinds/supervised.ts"
import type { SeededRun } from "./seeded-runs.ts"

const pretrainKinds: Readonly<Record<MethodConfig["kind"], PretrainKind>> = {
  autoencoder: autoencoderPretrain,
  contrastive: contrastivePretrain,
  infomax: infomaxPretrain,
  supervised: supervisedPretrain,
  "raw-pixels": untrainedPretrain,
  "random-encoder": untrainedPretrain
}

/** The pretrain stage of one run, keyed by its kind's module. */
export const pretrainStage = (run: SeededRun) => pretrainStageOfKind(run, pretrainKinds[run.method.kind])
