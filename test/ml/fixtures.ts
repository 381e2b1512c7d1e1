/**
 * Tiny in-memory image sets with a learnable signal (for tests on the slow cpu backend):
 * four stroke patterns (horizontal bar, vertical bar, box, diagonal) at jittered positions plus noise.
 */
import type { ImageSet } from "../../data/image-set.ts"
import { selectBackend } from "../../ml/backend.ts"
import { makeRng } from "../../data/random.ts"

/** The cpu backend with tfjs-core's gradients registered (what selectBackend("cpu") does for the stages). */
export const useCpu = async (): Promise<void> => {
  await selectBackend("cpu")
}

const draw = (kind: number, size: number, dx: number, dy: number, put: (x: number, y: number) => void) => {
  const lo = 2 + dy, hi = size - 3 + dy
  for (let t = 2; t < size - 2; t++) {
    const a = t + dx
    if (kind === 0) put(a, Math.floor(size / 2) + dy)
    else if (kind === 1) put(Math.floor(size / 2) + dx, t + dy)
    else if (kind === 2) {
      put(a, lo), put(a, hi), put(2 + dx, t + dy), put(size - 3 + dx, t + dy)
    } else put(a, t + dy)
  }
}

/** `count` images of `size` x `size` x 1, labels cycling through 4 classes. */
export const strokeImages = (count: number, size = 12, seed = 1, firstId = 0): ImageSet => {
  const rng = makeRng(seed).fork("strokes")
  const pixels = new Uint8Array(count * size * size)
  const labels = new Uint8Array(count)
  const ids = new Int32Array(count)
  for (let n = 0; n < count; n++) {
    const label = n % 4
    labels[n] = label
    ids[n] = firstId + n
    const dx = rng.int(3) - 1, dy = rng.int(3) - 1
    const base = n * size * size
    for (let i = 0; i < size * size; i++) pixels[base + i] = rng.int(40)
    draw(label, size, dx, dy, (x, y) => {
      if (x >= 0 && x < size && y >= 0 && y < size) pixels[base + y * size + x] = 200 + rng.int(56)
    })
  }
  return { ids, labels, pixels, count, shape: [size, size, 1], classNames: ["hbar", "vbar", "box", "diag"] }
}
