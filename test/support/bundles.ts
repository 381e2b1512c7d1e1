/** The launcher's bundle cache (pipeline/ts-loader/bundle-cache.mjs) as tests see it. */
import * as fs from "node:fs"
import * as path from "node:path"
import { repoRoot } from "../pipeline/fixture-sources.ts"

export const launcher = path.join(repoRoot, "pipeline/ts-loader/launch.mjs")
export const bundlesDir = path.join(repoRoot, "node_modules/.cache/seed-bundles")

/** Removes the manifests and builds a test's entry left in the shared cache. */
export const removeBundlesOf = (entry: string): void => {
  if (!fs.existsSync(bundlesDir)) return
  for (const name of fs.readdirSync(bundlesDir).filter((f) => f.endsWith(".json"))) {
    const file = path.join(bundlesDir, name)
    const manifest = JSON.parse(fs.readFileSync(file, "utf8"))
    if (manifest.entry !== entry) continue
    fs.rmSync(path.join(bundlesDir, manifest.build), { recursive: true, force: true })
    fs.rmSync(file, { force: true })
  }
}
