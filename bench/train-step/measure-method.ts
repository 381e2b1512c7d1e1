/**
 * Worker of `pnpm bench train-step`: one training step of each SSL method (and the supervised baseline)
 * at a profile's encoder widths, batch and method settings (`full` by default, or `quick`), on one
 * backend; one JSON line per method.
 *   measure-method.ts <wasm|native> <threads> <steps> [full|quick]
 * The views are fixed random images: this times the method's step (encoder, heads, loss, Adam), not augmentation.
 */
import * as tf from "@tensorflow/tfjs-core"
import * as Schema from "effect/Schema"
import { adam } from "../../ml/adam.ts"
import { selectBackend } from "../../ml/backend.ts"
import { makeEncoder } from "../../ml/encoder.ts"
import { makeMethod } from "../../ml/methods/registry.ts"
import { makeRng } from "../../ml/random.ts"
import { disposeParams } from "../../ml/weights.ts"
import { EncoderConfig, MethodConfig, type TrainedMethodConfig } from "../../schemas/methods.ts"
import { baseConfig, profiles } from "../../stages/profiles.ts"
import { median } from "../timing.ts"

const [config, threadsArg, stepsArg, profileArg = "full"] = process.argv.slice(2)
const threads = Number(threadsArg), steps = Number(stepsArg)
const info = await selectBackend(config === "native" ? "native" : "wasm", { threads })
// quick is deep-merged over the base config; only its encoder, training and methods matter here
const quick = profiles.quick as { encoder: unknown; training: { batchSize: number }; methods: typeof baseConfig.methods }
const profile = profileArg === "quick" ? { ...baseConfig, ...quick } : baseConfig
const encoderConfig = Schema.decodeUnknownSync(EncoderConfig)(profile.encoder)
const batch = profile.training.batchSize

for (const entry of profile.methods.filter((m) => ["autoencoder", "contrastive", "infomax", "supervised"].includes(m.kind))) {
  const method = Schema.decodeUnknownSync(MethodConfig)(entry) as TrainedMethodConfig
  const rng = makeRng(0)
  const encoder = makeEncoder(encoderConfig, [28, 28, 1], rng.fork("encoder"))
  const trainable = makeMethod(method, { encoder, rng: rng.fork("heads"), classCount: 10 })
  const variables = [...encoder.params.values(), ...trainable.heads.values()]
  const pixels = rng.fork("pixels")
  const views = Array.from({ length: trainable.views }, () =>
    tf.tensor4d(Float32Array.from({ length: batch * 784 }, () => pixels.next()), [batch, 28, 28, 1]))
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), "int32")
  const optimizer = adam(1e-3)
  const step = () => {
    const loss = optimizer.minimize(() => trainable.loss({ views, labels, rng: rng.fork("loss") }), true, variables)
    loss?.dataSync()
    loss?.dispose()
  }
  step() // warm-up: primitives, operator caches, optimizer slots
  const times = Array.from({ length: steps }, () => {
    const t0 = performance.now()
    step()
    return performance.now() - t0
  })
  const ms = median(times)
  console.log(JSON.stringify({
    config: `${info.name}-${info.threads}t`, profile: profileArg, method: entry.name, backend: info.name, threads: info.threads, batch,
    widths: encoderConfig.widths, train_step_ms: Math.round(ms * 10) / 10, images_per_s: Math.round((batch / ms) * 1000)
  }))
  optimizer.dispose()
  tf.dispose([...views, labels])
  disposeParams(encoder.params)
  disposeParams(trainable.heads)
}
