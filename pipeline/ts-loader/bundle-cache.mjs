/**
 * A TypeScript entry compiled into one cached ES module bundle (esbuild, code splitting), rebuilt
 * when any file it was built from changes.
 *
 * Why: Node 20 pays about 1 ms per ES module it loads, hooks or not, and the CLI's static graph is
 * ~800 modules (effect, @effect/cli, @effect/platform-node, the pipeline). As one bundle, a no-op
 * `pipeline run` starts in about a third of the time. Only effect and @effect/* are bundled (with
 * what they import): other packages stay external, so they load from node_modules as they would
 * from source, and every `import.meta.url` in project code is replaced by the file's own URL, so
 * stage modules, worker entries and `createRequire` see their sources, exactly as under the loader.
 *
 * Freshness: the manifest lists every input esbuild read with its (size, mtime, ctime, inode), and
 * the folders of the project's inputs with their mtime (a file added next to an input can change
 * how an import resolves). Anything different means a rebuild. Builds are kept per content and never
 * overwritten, so a running process can still load the lazy chunks of the build it started from.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { compilerTag, loadEsbuild, privateDirProblem, writeEntryFile } from "./transform-cache.mjs"

// computed here, not exported by transform-cache.mjs: that file is in the training stages' code
// closure (through core-gradients.ts), so any edit to it reruns every pretrain stage
const repoRoot = fileURLToPath(new URL("../../", import.meta.url))

/** Packages bundled (with everything they import); the rest of node_modules stays external. */
const bundledPackage = /^(effect|@effect\/[^/]+)(\/|$)/

/**
 * Inside the project's node_modules (or nowhere: the loader then runs the entry), because the
 * packages left external are imported by bare name and must resolve from here as from the sources.
 */
const bundlesDir = (() => {
  const dir = path.join(repoRoot, "node_modules", ".cache", "seed-bundles")
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    fs.accessSync(dir, fs.constants.W_OK)
    return privateDirProblem(dir) === undefined ? dir : undefined // code in it is executed
  } catch {
    return undefined
  }
})()

const insideProject = (file) => !path.relative(repoRoot, file).startsWith("..")

const statOf = (file) => {
  const st = fs.statSync(file, { throwIfNoEntry: false })
  return st === undefined ? undefined : [st.size, st.mtimeMs, st.ctimeMs, st.ino]
}

const sameStat = (a, b) => a !== undefined && b !== undefined && a.every((v, i) => v === b[i])

/** This file's own text is part of every key: a change to how bundles are built is a rebuild. */
const builderTag = createHash("sha256").update(fs.readFileSync(new URL(import.meta.url))).digest("hex")

const keyOf = (...parts) => createHash("sha256").update(JSON.stringify([builderTag, compilerTag, ...parts])).digest("hex").slice(0, 32)

const manifestFile = (entry) => path.join(bundlesDir, `${keyOf(entry)}.json`)

/** Whether every file and folder the manifest lists still has its recorded stat (a malformed manifest: no). */
const stillCurrent = (manifest, entry) => {
  try {
    if (manifest.entry !== entry) return false
    for (const [file, recorded] of manifest.files) if (!sameStat(statOf(file), recorded)) return false
    for (const [dir, mtimeMs] of manifest.dirs) if (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs !== mtimeMs) return false
    return typeof manifest.build === "string" && /^[0-9a-f]{32}$/.test(manifest.build) && typeof manifest.main === "string"
  } catch {
    return false
  }
}

/** The bundle's main module if it was built from exactly the files on disk now, else undefined. */
export const freshBundle = (entry) => {
  if (bundlesDir === undefined) return undefined
  let manifest
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile(entry), "utf8"))
  } catch {
    return undefined
  }
  if (!stillCurrent(manifest, entry)) return undefined
  const main = path.join(bundlesDir, manifest.build, manifest.main)
  if (!fs.existsSync(main)) return undefined
  const now = new Date()
  fs.utimesSync(path.join(bundlesDir, manifest.build), now, now) // last use, for pruning
  return main
}

const inNodeModules = (file) => file.split(path.sep).includes("node_modules")

/**
 * Reads every input for esbuild, after taking its stat (and its folder's, for project files): what
 * the manifest records is then never newer than what was bundled. Project files see their own URL
 * as `import.meta.url`.
 */
const recordingInputs = (files, dirs) => ({
  name: "recording-inputs",
  setup(build) {
    build.onLoad({ filter: /.*/ }, (args) => {
      files.set(args.path, statOf(args.path))
      if (inNodeModules(args.path)) return undefined // esbuild reads it, after the stat
      const dir = path.dirname(args.path)
      if (!dirs.has(dir)) dirs.set(dir, fs.statSync(dir).mtimeMs)
      const source = fs.readFileSync(args.path, "utf8").replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
      return { contents: source, loader: /\.m?ts$/.test(args.path) ? "ts" : "js" }
    })
  }
})

/** Bare imports from project files stay external unless the package is one bundled; node_modules' own imports are followed. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (inNodeModules(args.importer)) return undefined
      // a file outside the project resolves packages from elsewhere: not bundled (the loader runs it)
      if (!insideProject(args.importer)) return { errors: [{ text: `${args.importer} is outside ${repoRoot}` }] }
      return bundledPackage.test(args.path) ? undefined : { path: args.path, external: true }
    })
  }
}

/** Builds the bundle of `entry` (an absolute path) and records its manifest; returns its main module. */
export const buildBundle = async (entry) => {
  if (bundlesDir === undefined) throw new Error("no usable cache folder for bundles in node_modules/.cache")
  const esbuild = await loadEsbuild()
  const staging = path.join(bundlesDir, `staging-${process.pid}-${process.hrtime.bigint()}`)
  const files = new Map(), dirs = new Map()
  try {
    await esbuild.build({
      entryPoints: [entry], outdir: staging, bundle: true, splitting: true, format: "esm", platform: "node",
      target: `node${process.versions.node}`, outExtension: { ".js": ".mjs" }, entryNames: "[name]",
      // no keepNames: its __name(fn, "...") call on every closure as it is created (tf.tidy's and the
      // gradients' arrow functions, each step) made a training step ~1.7x slower than the loader's code
      minifyWhitespace: true, minifySyntax: true, logLevel: "silent",
      plugins: [externalPackages, recordingInputs(files, dirs)],
      // bundled CommonJS (fast-check's helpers) may call require
      banner: { js: 'import{createRequire as __seedRequire}from"node:module";const require=__seedRequire(import.meta.url);' }
    })
    const recorded = [...files].sort(([a], [b]) => (a < b ? -1 : 1))
    // an input that changed while the build ran: what was bundled is unknown, so nothing is kept
    const changed = recorded.find(([file, st]) => !sameStat(statOf(file), st)) ?? [...dirs].find(([dir, mtimeMs]) => fs.statSync(dir).mtimeMs !== mtimeMs)
    if (changed !== undefined) throw new Error(`${changed[0]} changed during the bundle build`)
    const build = keyOf(entry, recorded)
    const main = `${path.basename(entry).replace(/\.[^.]+$/, "")}.mjs`
    const target = path.join(bundlesDir, build)
    try {
      fs.renameSync(staging, target)
    } catch (error) {
      if (!fs.existsSync(path.join(target, main))) throw error // else another process built the same inputs
    }
    writeEntryFile(manifestFile(entry), JSON.stringify({ entry, build, main, files: recorded, dirs: [...dirs] }))
    return path.join(target, main)
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
}

/** Builds not used for a week are dropped (a process never runs that long from one build). */
const maxAgeMs = 7 * 24 * 3600 * 1000

export const pruneOldBundles = () => {
  if (bundlesDir === undefined) return
  const cutoff = Date.now() - maxAgeMs
  for (const name of fs.readdirSync(bundlesDir, { withFileTypes: true })) {
    const dir = path.join(bundlesDir, name.name)
    if (name.isDirectory() && (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < cutoff) {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
