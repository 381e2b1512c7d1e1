/**
 * Report fixtures made by code: the probe, pretrain and split artifacts of a small fake experiment,
 * written as Arrow IPC files in the formats of docs/ARCHITECTURE.md.
 */
import * as Arrow from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { makeRng, permutation } from "../../data/random.ts"
import { runKey } from "../../stages/seeded-runs.ts"

export const classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

export const fixtureMethods = [
  { name: "autoencoder", kind: "autoencoder", top1: 0.832, dim: 16, epochs: 3 },
  { name: "contrastive", kind: "contrastive", top1: 0.871, dim: 16, epochs: 3 },
  { name: "infomax", kind: "infomax", top1: 0.858, dim: 16, epochs: 3 },
  { name: "raw-pixels", kind: "raw-pixels", top1: 0.84, dim: 49, epochs: 0 },
  { name: "random-encoder", kind: "random-encoder", top1: 0.781, dim: 16, epochs: 0 },
  { name: "supervised", kind: "supervised", top1: 0.915, dim: 16, epochs: 2 }
] as const

/** Training seeds of the fixture experiment; raw pixels run once, at no seed. */
export const fixtureSeeds = [0, 1, 2] as const

/** Every (method, seed) run, as the pipeline hands them to `reportStage`. */
export const fixtureRuns = fixtureMethods.flatMap((m) =>
  (m.kind === "raw-pixels" ? [null] : [...fixtureSeeds]).map((seed) => ({ name: m.name, kind: m.kind, seed }))
)

/** Linear Top-1 of a run: the method's figure, moved by a seed-dependent 0.3 to 0.6 points. */
export const fixtureTop1 = (top1: number, seed: number | null): number => (seed === null ? top1 : top1 + [0.003, -0.006, 0.004][seed])

/** kNN Top-1 of a run: two points below the linear probe. */
export const fixtureKnnTop1 = (top1: number, seed: number | null): number => fixtureTop1(top1, seed) - 0.02

const metadata = (value: unknown) => new Map([["seed", JSON.stringify(value)]])

const write = (file: string, table: Arrow.Table): string => {
  fs.writeFileSync(file, Arrow.tableToIPC(table, "file"))
  return file
}

/** A table from named typed columns plus `seed` metadata. */
const table = (columns: Record<string, Arrow.Vector>, seed: unknown): Arrow.Table => {
  const fields = Object.entries(columns).map(([name, v]) => new Arrow.Field(name, v.type, false))
  const schema = new Arrow.Schema(fields, metadata(seed))
  const data = Arrow.makeData({ type: new Arrow.Struct(fields), length: Object.values(columns)[0].length, children: Object.values(columns).map((v) => v.data[0]) })
  return new Arrow.Table(schema, [new Arrow.RecordBatch(schema, data)])
}

const historyTable = (method: string, epochs: number, rng: ReturnType<typeof makeRng>) =>
  table(
    {
      epoch: Arrow.makeVector(Int32Array.from({ length: epochs }, (_, e) => e + 1)),
      loss: Arrow.makeVector(Float64Array.from({ length: epochs }, (_, e) => 2 / (e + 1) + rng.next() * 0.1)),
      seconds: Arrow.makeVector(Float64Array.from({ length: epochs }, () => 10 + rng.next())),
      images_per_s: Arrow.makeVector(Float64Array.from({ length: epochs }, () => 900 + rng.int(200)))
    },
    { kind: "history", method }
  )

/** Test embeddings clustered by class so the projection shows structure. */
const embeddingTable = (method: string, rows: number, dim: number, rng: ReturnType<typeof makeRng>) => {
  const labels = Uint8Array.from({ length: rows }, (_, i) => i % 10)
  const values = new Float32Array(rows * dim)
  for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) values[i * dim + j] = (j % 10 === labels[i] ? 3 : 0) + rng.normal()
  const type = new Arrow.FixedSizeList(dim, new Arrow.Field("item", new Arrow.Float32(), false))
  const child = Arrow.makeData({ type: new Arrow.Float32(), length: values.length, data: values })
  const embedding = Arrow.makeVector(Arrow.makeData({ type, length: rows, child }))
  return table(
    { id: Arrow.makeVector(Int32Array.from({ length: rows }, (_, i) => 1000 + i)), label: Arrow.makeVector(labels), embedding },
    { kind: "embeddings", method, dim, rows, classNames }
  )
}

const probeTables = (method: string, top1: number, rng: ReturnType<typeof makeRng>) => {
  const perClassCount = 30
  const trueLabel: number[] = []
  const predicted: number[] = []
  const counts: number[] = []
  const correct = classNames.map(() => Math.round(perClassCount * Math.min(1, top1 + (rng.next() - 0.5) * 0.2)))
  classNames.forEach((_, t) => {
    trueLabel.push(t), predicted.push(t), counts.push(correct[t])
    const wrong = perClassCount - correct[t]
    if (wrong > 0) trueLabel.push(t), predicted.push((t + 1 + rng.int(9)) % 10), counts.push(wrong)
  })
  return {
    knnMetrics: table(
      { top1: Arrow.makeVector(Float64Array.of(top1 - 0.02)), top5: Arrow.makeVector(Float64Array.of(Math.min(1, top1 + 0.08))), k: Arrow.makeVector(Int32Array.of(20)), val_top1: Arrow.makeVector(Float64Array.of(top1 - 0.03)) },
      { kind: "knn-metrics", method, methodKind: method, temperature: 0.07, grid: [{ k: 20, valTop1: top1 - 0.03 }] }
    ),
    metrics: table(
      { top1: Arrow.makeVector(Float64Array.of(top1)), top5: Arrow.makeVector(Float64Array.of(Math.min(1, top1 + 0.1))), l2: Arrow.makeVector(Float64Array.of(1e-3)), val_top1: Arrow.makeVector(Float64Array.of(top1 - 0.01)) },
      { kind: "probe-metrics", method, methodKind: method, grid: [{ l2: 1e-3, valTop1: top1 - 0.01 }] }
    ),
    perClass: table(
      {
        label: Arrow.makeVector(Uint8Array.from(classNames.keys())),
        name: Arrow.vectorFromArray(classNames, new Arrow.Utf8()),
        accuracy: Arrow.makeVector(Float64Array.from(correct, (c) => c / perClassCount)),
        count: Arrow.makeVector(Int32Array.from(classNames, () => perClassCount))
      },
      { kind: "probe-per-class", method }
    ),
    confusion: table(
      { true_label: Arrow.makeVector(Uint8Array.from(trueLabel)), predicted_label: Arrow.makeVector(Uint8Array.from(predicted)), count: Arrow.makeVector(Int32Array.from(counts)) },
      { kind: "probe-confusion", method, classCount: classNames.length }
    )
  }
}

/** Top-1 predictions on the same test ids as the embeddings: a seeded `top1` share of rows right, the rest wrong. */
const predictionsTable = (method: string, rows: number, top1: number, rng: ReturnType<typeof makeRng>) => {
  const labels = Uint8Array.from({ length: rows }, (_, i) => i % 10)
  const predicted = labels.map((label) => (label + 1 + rng.int(9)) % 10)
  const right = permutation(rows, rng.fork("right")).subarray(0, Math.round(top1 * rows))
  for (const row of right) predicted[row] = labels[row]
  return table(
    { id: Arrow.makeVector(Int32Array.from({ length: rows }, (_, i) => 1000 + i)), label: Arrow.makeVector(labels), predicted: Arrow.makeVector(predicted) },
    { kind: "predictions", method, rows }
  )
}

/** An image split: a few real rows, the metadata claiming `rows` (the report reads only the metadata). */
const splitTable = (name: "train" | "val" | "test", rows: number, classCount: number) => {
  const bytes = 28 * 28
  const n = 4
  const pixels = Arrow.makeVector(Arrow.makeData({ type: new Arrow.FixedSizeBinary(bytes), length: n, data: new Uint8Array(n * bytes) }))
  return table(
    { id: Arrow.makeVector(Int32Array.from({ length: n }, (_, i) => i)), label: Arrow.makeVector(new Uint8Array(n)), pixels },
    {
      kind: "images",
      source: "fashion-mnist",
      shape: [28, 28, 1],
      classNames,
      rows,
      classCounts: classNames.map(() => classCount),
      sourceFiles: [],
      notes: { split: name }
    }
  )
}

/** Writes every report input under `dir`; returns input name -> file, as `reportStage(fixtureRuns)` names them. */
export const writeReportFixtures = (dir: string, testRows = 300): Record<string, string> => {
  fs.mkdirSync(dir, { recursive: true })
  const rng = makeRng("report-fixtures")
  const files: Record<string, string> = {
    train: write(path.join(dir, "train.arrow"), splitTable("train", 56000, 5600)),
    val: write(path.join(dir, "val.arrow"), splitTable("val", 7000, 700)),
    test: write(path.join(dir, "test.arrow"), splitTable("test", 7000, 700))
  }
  for (const m of fixtureMethods) {
    const seeds = fixtureRuns.filter((r) => r.name === m.name).map((r) => r.seed)
    seeds.forEach((seed, i) => {
      const key = runKey(m.name, seed)
      const r = rng.fork(key)
      const top1 = fixtureTop1(m.top1, seed)
      const probe = probeTables(m.name, top1, r.fork("probe"))
      files[`metrics:${key}`] = write(path.join(dir, `${key}.metrics.arrow`), probe.metrics)
      files[`knn_metrics:${key}`] = write(path.join(dir, `${key}.knn_metrics.arrow`), probe.knnMetrics)
      files[`history:${key}`] = write(path.join(dir, `${key}.history.arrow`), historyTable(m.name, m.epochs, r.fork("history")))
      files[`predictions:${key}`] = write(path.join(dir, `${key}.predictions.arrow`), predictionsTable(m.name, testRows, top1, r.fork("predictions")))
      files[`knn_predictions:${key}`] = write(path.join(dir, `${key}.knn_predictions.arrow`), predictionsTable(m.name, testRows, fixtureKnnTop1(m.top1, seed), r.fork("knn")))
      if (i === 0) {
        files[`per_class:${m.name}`] = write(path.join(dir, `${key}.per_class.arrow`), probe.perClass)
        files[`confusion:${m.name}`] = write(path.join(dir, `${key}.confusion.arrow`), probe.confusion)
        files[`embeddings:${m.name}`] = write(path.join(dir, `${key}.test.arrow`), embeddingTable(m.name, testRows, m.dim, r.fork("embeddings")))
      }
    })
  }
  return files
}
