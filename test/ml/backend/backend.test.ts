import { describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as tf from "@tensorflow/tfjs-core"
import { BackendUnavailable, initBackend, selectBackend } from "../../../ml/backend.ts"
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

  it("auto picks tensorflow only when tfjs-node works, else wasm", async () => {
    const info = await selectBackend("auto")
    expect(info.name).toBe((await tfjsNodeWorks()) ? "tensorflow" : "wasm")
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

describe("training on wasm", () => {
  it.each(["stride", "pool"] as const)("%s net: loss falls and tf.memory().numTensors stays flat over 100 steps", async (arch) => {
    await selectBackend("wasm")
    const net = referenceNet(arch, 3, 1, [4, 8, 8])
    const { x, y } = randomBatch(4, 8, 12)
    const optimizer = tf.train.adam(1e-2)
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
