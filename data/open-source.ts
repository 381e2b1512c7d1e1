/** Picks and opens the reader that `dataset.source` names; all validation that needs no pixels happens here. */
import type { DatasetConfig } from "../schemas/dataset.ts"
import { cifar10Source } from "./cifar10.ts"
import { idxPairs } from "./dataset-files.ts"
import { fashionMnistIdxSource, fashionMnistNpmSource, mnistSource } from "./fashion-mnist.ts"
import { imageFolderSource } from "./image-folder.ts"
import type { ImageSource } from "./image-source.ts"
import { idxSource } from "./idx.ts"
import { syntheticSource } from "./synthetic.ts"

const asList = (files: string | ReadonlyArray<string>) => (typeof files === "string" ? [files] : files)

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
