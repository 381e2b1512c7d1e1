/** Picks and opens the reader that `dataset.source` names; all validation that needs no pixels happens here. */
import * as path from "node:path"
import type { DatasetConfig } from "../schemas/dataset.ts"
import { cifar10Source } from "./cifar10.ts"
import { CorruptSource, SourceNotFound } from "./errors.ts"
import { fashionMnistIdxSource, fashionMnistNpmSource, mnistSource } from "./fashion-mnist.ts"
import { imageFolderSource } from "./image-folder.ts"
import type { ImageSource } from "./image-source.ts"
import { findIdxPairs, idxSource, type IdxPair } from "./idx.ts"
import { syntheticSource } from "./synthetic.ts"

const asList = (files: string | ReadonlyArray<string>) => (typeof files === "string" ? [files] : files)

/** Explicit image/label files (relative to `path` when given), or the pairs found in the `path` directory. */
const idxPairs = (config: Extract<DatasetConfig, { source: "idx" }>): ReadonlyArray<IdxPair> => {
  if (config.images === undefined && config.labels === undefined) {
    if (config.path === undefined)
      throw new SourceNotFound({ path: "dataset.path", message: "dataset source idx needs `path` (a directory) or `images` and `labels`" })
    return findIdxPairs(config.path)
  }
  const resolve = (f: string) => (config.path ? path.resolve(config.path, f) : f)
  const images = asList(config.images ?? []).map(resolve)
  const labels = asList(config.labels ?? []).map(resolve)
  if (images.length !== labels.length || images.length === 0)
    throw new CorruptSource({
      path: config.path ?? images[0] ?? labels[0] ?? "dataset",
      problem: "count-mismatch",
      message: `dataset.images lists ${images.length} files but dataset.labels lists ${labels.length}: they must pair up`
    })
  return images.map((image, i) => ({ images: image, labels: labels[i] }))
}

/** Opens the configured source. Throws a DataError (missing path, corrupt header, bad labels...). */
export const openImageSource = (config: DatasetConfig, batchRows?: number): ImageSource => {
  switch (config.source) {
    case "fashion-mnist":
      return config.path === undefined ? fashionMnistNpmSource(batchRows) : fashionMnistIdxSource(config.path)
    case "mnist":
      return mnistSource(config.path)
    case "idx":
      return idxSource(idxPairs(config), { source: `idx (${config.path ?? asList(config.images ?? []).join(", ")})`, classNames: config.classNames, batchRows })
    case "cifar10":
      return cifar10Source(config.path, batchRows)
    case "image-folder":
      return imageFolderSource(config.path, { size: config.imageSize, color: config.color, batchRows })
    case "synthetic":
      // Labels cycle 0..9, so the first N per class are exactly the first 10N images: generate only those.
      return syntheticSource({ perClass: Math.min(config.perClass, config.limitPerClass ?? Infinity), size: config.size, seed: config.seed })
  }
}
