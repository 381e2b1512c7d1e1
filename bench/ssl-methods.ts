/**
 * `pnpm bench ssl-methods [--json] [--train N] [--test N] [--epochs E] [--batch B] [--widths 16,32,64]
 *  [--dim D] [--grid G] [--methods a,b] [--backend wasm] [--extra '{"infomax":{"gamma":0}}']
 *  [--augment '{"cropScale":[0.3,1]}'] [--probe '{"maxIterations":60}']`: pretrains each method on a seeded Fashion-MNIST subset
 * and probes it, printing Top-1/Top-5, seconds per step and images/s. Used to size the quick and full profiles.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ImageSet } from "../data/image-set.ts"
import { fashionMnistNpmSource } from "../data/fashion-mnist.ts"
import { initBackend } from "../ml/backend.ts"
import { linearProbe } from "../ml/linear-probe.ts"
import { pretrain } from "../ml/pretrain.ts"
import { makeRng, permutation } from "../ml/random.ts"
import { AugmentConfig, MethodConfig, ProbeConfig } from "../schemas/methods.ts"

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : fallback
}
const json = process.argv.includes("--json")
const sizes = { train: Number(arg("train", "8000")), val: Number(arg("val", "2000")), test: Number(arg("test", "2000")) }
const widths = arg("widths", "16,32,64").split(",").map(Number) as unknown as readonly [number, ...number[]]
const training = { epochs: Number(arg("epochs", "2")), batchSize: Number(arg("batch", "128")), learningRate: Number(arg("lr", "2e-3")) }
const kinds = arg("methods", "raw-pixels,random-encoder,autoencoder,contrastive,infomax,supervised").split(",")

const loadSubsets = async (): Promise<Record<"train" | "val" | "test", ImageSet>> => {
  const source = fashionMnistNpmSource()
  const all = new Uint8Array(source.labels.length * 784)
  let at = 0
  for await (const batch of source.batches()) {
    all.set(batch.pixels.subarray(0, batch.count * 784), at * 784)
    at += batch.count
  }
  const order = permutation(source.labels.length, makeRng(0).fork("bench-subset"))
  let offset = 0
  const take = (n: number): ImageSet => {
    const rows = order.subarray(offset, (offset += n))
    const pixels = new Uint8Array(n * 784)
    rows.forEach((r, i) => pixels.set(all.subarray(r * 784, (r + 1) * 784), i * 784))
    return { ids: Int32Array.from(rows), labels: Uint8Array.from(rows, (r) => source.labels[r]), pixels, count: n, shape: [28, 28, 1], classNames: source.classNames }
  }
  return { train: take(sizes.train), val: take(sizes.val), test: take(sizes.test) }
}

const backend = await Effect.runPromise(initBackend(arg("backend", "wasm") as "wasm"))
const splits = await loadSubsets()
const augment = Schema.decodeUnknownSync(AugmentConfig)(JSON.parse(arg("augment", "{}")))
const poolGrid = Number(arg("grid", "1"))
const probe = Schema.decodeUnknownSync(ProbeConfig)(JSON.parse(arg("probe", "{}")))
const rows = []
for (const kind of kinds) {
  const extra = JSON.parse(arg("extra", "{}")) as Record<string, Record<string, unknown>>
  const method = Schema.decodeUnknownSync(MethodConfig)({ name: kind, kind, ...extra[kind] })
  const started = performance.now()
  const result = await Effect.runPromise(
    pretrain({ seed: 1, method, encoder: { widths, poolGrid, embeddingDim: Number(arg("dim", String(poolGrid * poolGrid * widths.at(-1)!))) }, training, augment, splits })
  )
  const pretrainSeconds = (performance.now() - started) / 1000
  const labelled = (k: "train" | "val" | "test") => ({ ...result.embeddings[k], labels: splits[k].labels })
  const probeStart = performance.now()
  const metrics = linearProbe(labelled("train"), labelled("val"), labelled("test"), { classCount: 10, ...probe })
  const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0)
  const steps = result.history.length * Math.floor(sizes.train / training.batchSize)
  const row = {
    method: kind,
    top1: metrics.top1,
    top5: metrics.top5,
    l2: metrics.l2,
    pretrainSeconds,
    secondsPerStep: steps > 0 ? trainSeconds / steps : 0,
    imagesPerSecond: result.history.at(-1)?.imagesPerSecond ?? 0,
    losses: result.history.map((h) => h.loss),
    probeSeconds: (performance.now() - probeStart) / 1000
  }
  rows.push(row)
  if (!json) console.log(`${kind.padEnd(15)} top1 ${row.top1.toFixed(4)} top5 ${row.top5.toFixed(4)} pretrain ${pretrainSeconds.toFixed(1)}s (${row.secondsPerStep.toFixed(3)} s/step) probe ${row.probeSeconds.toFixed(1)}s losses ${row.losses.map((l) => l.toFixed(3)).join(" ")}`)
}
if (json) console.log(JSON.stringify({ backend, sizes, widths, training, rows }, null, 2))
