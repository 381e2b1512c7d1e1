/** Worker thread entry: renders requested synthetic blocks and transfers the pixels back. */
import { parentPort, workerData } from "node:worker_threads"
import { makeSyntheticRenderer } from "./synthetic-render.ts"

export interface BlockRequest {
  readonly block: number
  readonly count: number
}

const { seed, size } = workerData as { seed: number; size: number }
const renderer = makeSyntheticRenderer(seed, size)
parentPort!.on("message", ({ block, count }: BlockRequest) => {
  const pixels = new Uint8Array(count * size * size)
  renderer.renderBlock(block, count, pixels)
  parentPort!.postMessage({ block, pixels }, [pixels.buffer])
})
