/**
 * Registers tfjs-core's gradient functions. The package's CommonJS entry (the one tfjs-backend-cpu
 * and -wasm load) ships no gradients: only the `@tensorflow/tfjs` umbrella registers them, and its
 * ESM `dist/register_all_gradients.js` cannot be imported by Node directly (extensionless imports).
 * So it is bundled once with esbuild into memory and imported from a data: URL. The bundled copy
 * shares the engine and both registries with the CommonJS copy: tfjs keeps them on globalThis.
 * The bundle is kept in the TypeScript loader's private cache folder, keyed by the tfjs-core and esbuild
 * versions: bundling took ~0.6 s of every training process's start.
 */
import * as tf from "@tensorflow/tfjs-core"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { cacheDir, writeEntryFile } from "../../pipeline/ts-loader/transform-cache.mjs"
import { meanGradConfig, sumGradConfig } from "./reduction-gradients.ts"
import { fusedConv2DGradConfig } from "./fused-conv-gradient.ts"
import { reluGradConfig } from "./relu-gradient.ts"

const require = createRequire(import.meta.url)

let pending: Promise<void> | undefined

const bundle = async (): Promise<string> => {
  const esbuild = await import("esbuild")
  const entry = require.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js")
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent"
  })
  return result.outputFiles[0].text
}

const bundleAndImport = async (): Promise<void> => {
  const esbuildVersion = (require("esbuild/package.json") as { version: string }).version
  const file = cacheDir && path.join(cacheDir, `tfjs-gradients-${tf.version_core}-esbuild-${esbuildVersion}.mjs`)
  if (file && fs.existsSync(file)) return void (await import(pathToFileURL(file).href))
  const code = await bundle()
  if (file) writeEntryFile(file, code)
  await import(file && fs.existsSync(file) ? pathToFileURL(file).href : `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)
}

/**
 * Makes tf.grad / tf.variableGrads / optimizer.minimize work; safe to call many times. Four gradients
 * are the project's: ReLU (./relu-gradient.ts: tfjs-core's, unless the backend has a ReluGrad kernel),
 * Sum and Mean (./reduction-gradients.ts: tfjs-core's values without building a tensor of ones), and
 * FusedConv2D's, which tfjs-core has none of (./fused-conv-gradient.ts).
 */
export const registerCoreGradients = (): Promise<void> => {
  if (tf.getGradient(tf.Conv2D) !== undefined) return Promise.resolve()
  pending ??= bundleAndImport().then(() => [reluGradConfig, sumGradConfig, meanGradConfig, fusedConv2DGradConfig].forEach((g) => tf.registerGradient(g)))
  return pending
}
