import * as tf from "@tensorflow/tfjs-core"
import { selectBackend } from "./ml/backend.ts"
import { randomBatch, referenceNet, trainStep } from "./bench/train-step/reference-net.ts"
await selectBackend("native", { threads: 1 })
const net = referenceNet("stride", 0)
const { x, y } = randomBatch(1, 256)
const opt = tf.train.adam(1e-3)
trainStep(net, opt, x, y)
const p = await tf.profile(() => { trainStep(net, opt, x, y) })
for (const k of p.kernels) if (Number(k.kernelTimeMs) > 3) console.log(k.name, JSON.stringify(k.inputShapes), JSON.stringify(k.outputShapes), Number(k.kernelTimeMs).toFixed(1))
