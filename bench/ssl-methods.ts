/**
 * `pnpm bench ssl-methods [--json] [--profile quick] [--train N] [--val N] [--epochs E] [--batch B] [--lr R] [--schedule cosine]
 *  [--widths 16,32,64] [--dim D] [--grid G] [--methods a,b] [--backend auto|native|wasm|...] [--threads T]
 *  [--seed S] [--extra '{"infomax":{"gamma":0}}'] [--augment '{"cropScale":[0.3,1]}'] [--probe '{"maxIterations":60}']`:
 * pretrains each method of a profile (its encoder, training budget, method settings, probe grid
 * unless overridden) on images of the pipeline's own train split, and probes it on a val set held
 * out of that same split. It prints val Top-1/Top-5 only: the pipeline's val and test splits are
 * never read, so settings chosen with it have not seen the test split.
 * `--extra` merges settings into methods by name; a name the profile lacks defines a variant
 * (give its `kind`): `--extra '{"dim-l":{"kind":"infomax","localLayer":-2}}' --methods dim-l`.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ImageSet } from "../data/image-set.ts"
import { BackendPreferenceSchema, initBackend } from "../ml/backend.ts"
import { linearProbe } from "../ml/linear-probe.ts"
import { makeMethod } from "../ml/methods/registry.ts"
import { pretrain, rawPixelsPretrain } from "../ml/pretrain.ts"
import { deepMerge } from "../pipeline/config.ts"
import { SeedConfig } from "../schemas/config.ts"
import { AugmentConfig, MethodConfig, LearningRateSchedule, ProbeConfig } from "../schemas/methods.ts"
import { baseConfig, profiles } from "../stages/profiles.ts"
import { benchArgs, choiceFlag, countFlag, numberFlag, numberListFlag } from "./args.ts"
import { carveTrainVal, pipelineTrainSplit } from "./ssl-methods/train-pool.ts"

const usage = "pnpm bench ssl-methods [--json] [--profile quick] [--train N] [--val N] [--epochs E] [--batch B] [--lr R] [--schedule cosine] [--widths 16,32,64] [--dim D] [--grid G] [--methods a,b] [--backend auto|native|wasm|...] [--threads T] [--seed S] [--extra JSON] [--augment JSON] [--probe JSON]"
const text = { type: "string" } as const
const { values: flags } = benchArgs(usage, {
  options: {
    json: { type: "boolean" }, profile: text, train: text, val: text, epochs: text, batch: text, lr: text, schedule: text, widths: text, dim: text,
    grid: text, methods: text, backend: text, threads: text, seed: text, extra: text, augment: text, probe: text
  }
})
/** A JSON flag's value, or a usage error naming the flag. */
const jsonFlag = (name: "extra" | "augment" | "probe"): Record<string, unknown> => {
  try {
    return JSON.parse(flags[name] ?? "{}")
  } catch {
    console.error(`--${name} expects JSON, got ${flags[name]}\nusage: ${usage}`)
    return process.exit(2)
  }
}
const json = flags.json === true
const profileName = flags.profile ?? "quick"
if (!(profileName in profiles)) throw new Error(`--profile ${profileName}: no such profile (${Object.keys(profiles).join(", ")})`)
const config = Schema.decodeUnknownSync(SeedConfig)(deepMerge(baseConfig, profiles[profileName]))
const sizes = {
  train: numberFlag(usage, "train", flags.train, config.training.maxTrainImages ?? 8000),
  val: numberFlag(usage, "val", flags.val, 2000)
}
const widths = (flags.widths === undefined ? config.encoder.widths : numberListFlag(usage, "widths", flags.widths)) as readonly [number, ...number[]]
const poolGrid = numberFlag(usage, "grid", flags.grid, config.encoder.poolGrid ?? 1)
const encoder = {
  widths,
  poolGrid,
  // a new width or grid changes the pooled size: the embedding follows it unless --dim says otherwise
  embeddingDim: numberFlag(usage, "dim", flags.dim, flags.widths || flags.grid ? poolGrid * poolGrid * widths.at(-1)! : config.encoder.embeddingDim)
}
const training = {
  epochs: numberFlag(usage, "epochs", flags.epochs, config.training.epochs),
  batchSize: numberFlag(usage, "batch", flags.batch, config.training.batchSize),
  learningRate: numberFlag(usage, "lr", flags.lr, config.training.learningRate),
  schedule: choiceFlag(usage, "schedule", flags.schedule, LearningRateSchedule.literals, config.training.schedule)
}
const augment = Schema.decodeUnknownSync(AugmentConfig)({ ...config.augment, ...jsonFlag("augment") })
const probe = Schema.decodeUnknownSync(ProbeConfig)({ ...config.probe, ...jsonFlag("probe") })
const extra = jsonFlag("extra") as Record<string, Record<string, unknown>>
const names = flags.methods?.split(",") ?? config.methods.map((m) => m.name)
const methods = names.map((name) =>
  Schema.decodeUnknownSync(MethodConfig)({ ...config.methods.find((m) => m.name === name), name, ...extra[name] })
)
const seed = numberFlag(usage, "seed", flags.seed, config.seed)

// --threads 1 lets two benches share the 2 cores without oversubscribing oneDNN's OpenMP pool
const threads = countFlag(usage, "threads", flags.threads, undefined)
// the profile's backend unless --backend says otherwise, so the bench computes (and costs) what the
// pipeline would: it used to default to wasm, about three times slower per step than native at full's
// sizes (DIM(L): 1.45 s against 0.52 s, README "Benchmarks")
const backendChoice = choiceFlag(usage, "backend", flags.backend, BackendPreferenceSchema.literals, config.compute.backend)!
const backend = await Effect.runPromise(initBackend(backendChoice, { threads }))
const { train, val } = carveTrainVal(await pipelineTrainSplit(config), sizes, seed)
// pretrain embeds a test split too; the bench has none to give it
const noTest: ImageSet = { ...val, ids: new Int32Array(0), labels: new Uint8Array(0), pixels: new Uint8Array(0), count: 0 }
const rows = []
for (const method of methods) {
  const started = performance.now()
  const splits = { train, val, test: noTest }
  const result =
    method.kind === "raw-pixels" ? rawPixelsPretrain(splits)
    : method.kind === "random-encoder" ? await Effect.runPromise(pretrain({ seed, method, encoder, embedBatchSize: training.batchSize, splits }))
    : await Effect.runPromise(pretrain({ seed, method, makeMethod, encoder, training, augment, splits }))
  const pretrainSeconds = (performance.now() - started) / 1000
  const probeStart = performance.now()
  const labelledVal = { ...result.embeddings.val, labels: val.labels }
  // the probe's "test" is the val set: it reports val accuracy at the L2 it chose on val
  const metrics = linearProbe({ ...result.embeddings.train, labels: train.labels }, labelledVal, labelledVal, {
    classCount: train.classNames.length,
    ...probe
  })
  const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0)
  const steps = result.history.length * Math.floor(sizes.train / training.batchSize)
  const row = {
    method: method.name,
    valTop1: metrics.valTop1,
    valTop5: metrics.top5,
    l2: metrics.l2,
    valTop1ByL2: metrics.grid,
    pretrainSeconds,
    secondsPerStep: steps > 0 ? trainSeconds / steps : 0,
    imagesPerSecond: result.history.at(-1)?.imagesPerSecond ?? 0,
    losses: result.history.map((h) => h.loss),
    probeSeconds: (performance.now() - probeStart) / 1000
  }
  rows.push(row)
  if (!json)
    console.log(
      `${method.name.padEnd(15)} val top1 ${row.valTop1.toFixed(4)} val top5 ${row.valTop5.toFixed(4)} l2 ${row.l2} ` +
        `pretrain ${pretrainSeconds.toFixed(1)}s (${row.secondsPerStep.toFixed(3)} s/step) probe ${row.probeSeconds.toFixed(1)}s ` +
        `losses ${row.losses.map((l) => l.toFixed(3)).join(" ")}`
    )
}
if (json) console.log(JSON.stringify({ backend, profile: profileName, evaluatedOn: "val held out of the pipeline's train split", sizes, encoder, training, rows }, null, 2))
