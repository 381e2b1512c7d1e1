/** Embedding tables for the probe and kNN stage tests: three classes, class k shifts feature k by 2. */
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { makeRng } from "../../data/random.ts"
import { writeEmbeddings } from "../../ml/tables/embeddings.ts"

/** Writes `<dir>/<name>.arrow`: `count` rows of `dim` features (noise sd 0.5, seeded by `seed`), ids from `firstId`. */
export const writeClusteredEmbeddings = async (dir: string, name: string, count: number, dim: number, seed: string, firstId = 0) => {
  const rng = makeRng(seed)
  const values = new Float32Array(count * dim)
  const labels = new Uint8Array(count)
  for (let n = 0; n < count; n++) {
    labels[n] = n % 3
    for (let d = 0; d < dim; d++) values[n * dim + d] = rng.normal() * 0.5 + (d === labels[n] ? 2 : 0)
  }
  const file = path.join(dir, `${name}.arrow`)
  const ids = Int32Array.from({ length: count }, (_, i) => firstId + i)
  await Effect.runPromise(writeEmbeddings(file, { ids, labels, values, count, dim, method: "m", classNames: ["x", "y", "z"] }))
  return file
}
