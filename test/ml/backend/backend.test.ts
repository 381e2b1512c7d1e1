import { describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as tf from "@tensorflow/tfjs-core"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { adam } from "../../../ml/adam.ts"
import { BackendUnavailable, initBackend, selectBackend } from "../../../ml/backend.ts"
import { probeOneDnn } from "../../../ml/onednn/library.ts"
import { tsLoader } from "../../pipeline/fixture-sources.ts"
import { randomBatch, referenceNet, trainStep } from "../../../bench/train-step/reference-net.ts"

const tfjsNodeWorks = async (): Promise<boolean> => {
  try {
    await import("@tensorflow/tfjs-node" as string)
    return true
  } catch {
    return false
  }
}

describe("selectBackend", () => {
  it("initialises wasm with the seed kernels and registers tfjs-core's gradients", async () => {
    const info = await selectBackend("wasm")
    expect(info).toMatchObject({ name: "wasm", kernels: "seed-wasm-grad v2", threads: 1 })
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(tf.getBackend()).toBe("wasm")
    expect(tf.getGradient(tf.Conv2D)).toBeDefined()
  })

  it("auto picks tensorflow when tfjs-node works, else native when oneDNN loads, else wasm", async () => {
    const info = await selectBackend("auto")
    expect(info.name).toBe((await tfjsNodeWorks()) ? "tensorflow" : probeOneDnn().available ? "native" : "wasm")
  })

  it("fails with BackendUnavailable (message and hint) when tensorflow is asked for but missing", async () => {
    if (await tfjsNodeWorks()) return
    const exit = await Effect.runPromiseExit(initBackend("tensorflow"))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      const error = exit.cause.error
      expect(error).toBeInstanceOf(BackendUnavailable)
      expect(error.message).toContain("tensorflow")
      expect(error.hint).toContain("wasm")
    }
  })

  it("gives cpu only when asked", async () => {
    expect((await selectBackend("cpu")).name).toBe("cpu")
    expect((await selectBackend("wasm")).name).toBe("wasm")
  })
})

const onednn = probeOneDnn()

describe.skipIf(!onednn.available)(`native (oneDNN)${onednn.available ? "" : ` (skipped: ${onednn.reason})`}`, () => {
  it("initialises wasm with the oneDNN conv kernels and reports oneDNN's version, ISA and threads", async () => {
    const info = await selectBackend("native", { threads: 1 })
    expect(info).toMatchObject({ name: "native", kernels: "seed-wasm-grad v2 + onednn-conv v2 + onednn-reduce v1 + onednn-matmul v1 + onednn-eltwise v1 + onednn-binary v1", threads: 1 })
    expect(info.onednn).toMatch(/^2\.\d+\.\d+$/)
    expect(info.isa).toMatch(/^[a-z0-9_]+$/)
    expect(tf.getBackend()).toBe("wasm")
    // the kernel sets replace each other: back to plain wasm
    expect(await selectBackend("wasm")).toMatchObject({ name: "wasm", kernels: "seed-wasm-grad v2" })
  })
})

describe("without oneDNN (SEED_ONEDNN_LIBRARY points at nothing)", () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
  /** Runs `body` (an ES module's text) in a fresh process where oneDNN cannot load; returns stdout and stderr. */
  const withoutOneDnn = (body: string) => {
    const child = spawnSync(process.execPath, ["--import", tsLoader, "--input-type=module", "-e", body], {
      cwd: root, encoding: "utf8", env: { ...process.env, SEED_ONEDNN_LIBRARY: "/nonexistent/libdnnl.so.2" }
    })
    expect(child.status, child.stderr).toBe(0)
    return { stdout: child.stdout, stderr: child.stderr }
  }

  it("auto resolves to wasm and says once which backend it chose and why", () => {
    const { stdout, stderr } = withoutOneDnn(`
      import { resolveCompute } from "./ml/compute.ts"
      const a = resolveCompute({ backend: "auto" }, 2), b = resolveCompute({ backend: "auto" }, 2)
      console.log(JSON.stringify([a, b]))`)
    expect(JSON.parse(stdout.trim())).toEqual([{ backend: "wasm", threads: 1 }, { backend: "wasm", threads: 1 }])
    const lines = stderr.split("\n").filter((l) => l.startsWith("seed: compute backend"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("wasm")
    expect(lines[0]).toContain("apt-get install libdnnl2")
  })

  it("native fails with BackendUnavailable naming the Debian package", () => {
    const { stdout } = withoutOneDnn(`
      import * as Effect from "effect/Effect"
      import { initBackend } from "./ml/backend.ts"
      const error = await Effect.runPromise(Effect.flip(initBackend("native")))
      console.log(JSON.stringify({ tag: error._tag, message: error.message, hint: error.hint }))`)
    const error = JSON.parse(stdout.trim().split("\n").pop()!)
    expect(error.tag).toBe("BackendUnavailable")
    expect(error.message).toContain("libdnnl2")
    expect(error.hint).toContain("apt-get install libdnnl2")
  })
})

describe("training on wasm", () => {
  it.each(["stride", "pool"] as const)("%s net: loss falls and tf.memory().numTensors stays flat over 100 steps", async (arch) => {
    await selectBackend("wasm")
    const net = referenceNet(arch, 3, 1, [4, 8, 8])
    const { x, y } = randomBatch(4, 8, 12)
    const optimizer = adam(1e-2)
    const first = trainStep(net, optimizer, x, y)
    const tensors = tf.memory().numTensors
    // the kernels' scratch tensors live only in the backend: count its data ids too
    const heapIds = tf.backend().numDataIds()
    let last = first
    for (let i = 1; i < 100; i++) {
      last = trainStep(net, optimizer, x, y)
      expect(tf.memory().numTensors).toBe(tensors)
    }
    expect(tf.backend().numDataIds()).toBe(heapIds)
    expect(last).toBeLessThan(first * 0.5)
    optimizer.dispose()
    net.dispose()
    tf.dispose([x, y])
  })
})
