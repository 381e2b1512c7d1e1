/** Worker of `pnpm bench train-step`: times one configuration and prints one JSON line. */
import * as tf from "@tensorflow/tfjs-core"
import { adam } from "../../ml/adam.ts"
import { selectBackend } from "../../ml/backend.ts"
import { randomBatch, referenceNet, trainStep, type Arch } from "./reference-net.ts"
import { median } from "../timing.ts"

const [config, arch, batchArg, stepsArg, threadsArg = "1"] = process.argv.slice(2)
const batch = Number(batchArg), steps = Number(stepsArg)
// configs: seed (wasm + seed kernels), stock (stock wasm + a naive filter gradient), native (oneDNN convs; threads given)
const info = config === "native"
  ? await selectBackend("native", { threads: Number(threadsArg) })
  : await selectBackend("wasm", { kernels: config === "stock" ? "stock" : "seed" })
const net = referenceNet(arch as Arch, 0)
const { x, y } = randomBatch(1, batch)
const optimizer = adam(1e-3)

/** Wall and CPU milliseconds of f (CPU time stays meaningful when other processes share the cores). */
const timed = (f: () => void): { wall: number; cpu: number } => {
  const c0 = process.cpuUsage(), t0 = performance.now()
  f()
  const c = process.cpuUsage(c0)
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 }
}
// dataSync outside tidy: tidy walks a returned typed array element by element
const forward = () => {
  const logits = tf.tidy(() => net.logits(x))
  logits.dataSync()
  logits.dispose()
}

forward()
trainStep(net, optimizer, x, y) // warm-up: XNNPACK operator caches, optimizer slots
const tensorsBefore = tf.memory().numTensors
const stepTimes = Array.from({ length: steps }, () => timed(() => trainStep(net, optimizer, x, y)))
const tensorLeak = tf.memory().numTensors - tensorsBefore
const forwardTimes = Array.from({ length: steps }, () => timed(forward))

if (process.argv.includes("--profile")) {
  // wall-clock per kernel (tfjs's profiler); only meaningful on an otherwise idle machine
  const profile = await tf.profile(() => { trainStep(net, optimizer, x, y) })
  const byKernel = new Map<string, number>()
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs))
  const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12)
  console.error(`profile ${config} ${arch}: ` + top.map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(", "))
}

const forwardMs = median(forwardTimes.map((t) => t.wall)), stepMs = median(stepTimes.map((t) => t.wall))
const forwardCpu = median(forwardTimes.map((t) => t.cpu)), stepCpu = median(stepTimes.map((t) => t.cpu))
console.log(JSON.stringify({
  config: config === "native" ? `native-${info.threads}t` : config, arch, backend: info.name, version: info.version, threads: info.threads, kernels: info.kernels, batch, steps,
  forward_ms: Math.round(forwardMs * 10) / 10,
  train_step_ms: Math.round(stepMs * 10) / 10,
  images_per_s: Math.round((batch / stepMs) * 1000),
  step_over_forward: Math.round((stepMs / forwardMs) * 100) / 100,
  forward_cpu_ms: Math.round(forwardCpu * 10) / 10,
  train_step_cpu_ms: Math.round(stepCpu * 10) / 10,
  step_over_forward_cpu: Math.round((stepCpu / forwardCpu) * 100) / 100,
  tensor_leak: tensorLeak
}))
