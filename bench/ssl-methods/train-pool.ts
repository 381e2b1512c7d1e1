/**
 * The images a tuning bench may read: the pipeline's own train split of a profile's dataset, made
 * by the real ingest and split code in a temporary directory, then carved into a bench train set and
 * a held-out val set. The pipeline's val and test splits are never read, so nothing chosen with
 * the bench has seen an image the final evaluation scores.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { ImageSet } from "../../data/image-set.ts"
import { ingestDataset } from "../../data/ingest.ts"
import { readImageTable } from "../../data/image-table.ts"
import { splitImageTable } from "../../data/split-table.ts"
import { makeRng, permutation } from "../../data/random.ts"
import type { SeedConfig } from "../../schemas/config.ts"

/** Rows `rows` of `set`, in that order. */
const subset = (set: ImageSet, rows: Uint32Array): ImageSet => {
  const rowBytes = set.shape[0] * set.shape[1] * set.shape[2]
  const pixels = new Uint8Array(rows.length * rowBytes)
  rows.forEach((r, i) => pixels.set(set.pixels.subarray(r * rowBytes, (r + 1) * rowBytes), i * rowBytes))
  return {
    ids: Int32Array.from(rows, (r) => set.ids[r]),
    labels: Uint8Array.from(rows, (r) => set.labels[r]),
    pixels,
    count: rows.length,
    shape: set.shape,
    classNames: set.classNames
  }
}

/** The pipeline's train split for `config` (its dataset and split slices). */
export const pipelineTrainSplit = async (config: Pick<SeedConfig, "dataset" | "split">): Promise<ImageSet> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seed-bench-pool-"))
  try {
    const images = path.join(dir, "images.arrow")
    await Effect.runPromise(ingestDataset(config.dataset, images))
    const outputs = { train: path.join(dir, "train.arrow"), val: path.join(dir, "val.arrow"), test: path.join(dir, "test.arrow") }
    await Effect.runPromise(splitImageTable(images, outputs, config.split))
    return await readImageTable(outputs.train)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** A seeded draw of `sizes.train` bench-train and `sizes.val` held-out val images from the train split. */
export const carveTrainVal = (pool: ImageSet, sizes: { readonly train: number; readonly val: number }, seed: number) => {
  if (sizes.train + sizes.val > pool.count)
    throw new RangeError(`--train ${sizes.train} + --val ${sizes.val} exceed the ${pool.count} images of the pipeline's train split`)
  const order = permutation(pool.count, makeRng(seed).fork("bench-train-val"))
  return { train: subset(pool, order.subarray(0, sizes.train)), val: subset(pool, order.subarray(sizes.train, sizes.train + sizes.val)) }
}
