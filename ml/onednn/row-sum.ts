/**
 * Weighted sums over the middle axis of x [B, R, C] on oneDNN: out[b, c] = w * sum_r x[b, r, c], as one
 * matmul of a constant row vector (w, ..., w) [1, R] with x (batch broadcast). w = 1: the bias gradient
 * (dy summed over N, H, W); w = 1/R: global average pooling. oneDNN's gemm blocks the accumulation, so
 * float32 keeps the digits that a row-by-row float32 loop would lose.
 */
import { loadOneDnn } from "./library.ts"
import { argsOf, cachedPlan, execute, memoryOf, plainDesc, primitiveOf, type Plan } from "./primitive.ts"

interface RowSumPlan extends Plan {
  /** The constant vector; referenced so that its (off-heap, never moved) memory lives as long as the plan. */
  readonly weights: Float32Array
}

const ARG = { src: 1, weights: 33, dst: 17 } as const
const plans = new Map<string, Plan>()

const build = (batch: number, rows: number, cols: number, weight: number): RowSumPlan => {
  const vector = plainDesc([1, 1, rows]), x = plainDesc([batch, rows, cols]), dst = plainDesc([batch, 1, cols])
  const { primitive } = primitiveOf("matmul", (desc) => loadOneDnn().api.matmulInit(desc, vector, x, null, dst))
  // at least 64 floats: V8 keeps only tiny typed arrays on its (moving) heap
  const weights = new Float32Array(Math.max(rows, 64)).fill(weight)
  const vectorMem = memoryOf(vector, Number(loadOneDnn().koffi.address(weights)))
  const xMem = memoryOf(x), dstMem = memoryOf(dst)
  return { primitive, args: argsOf([[ARG.src, vectorMem], [ARG.weights, xMem], [ARG.dst, dstMem]]), nargs: 3, bound: [xMem, dstMem], weights }
}

/** out [B, C] = weight * sum over r of x [B, R, C]; both at absolute addresses valid for the call. */
export const runRowSum = (batch: number, rows: number, cols: number, weight: number, xAddress: number, outAddress: number): void =>
  execute(cachedPlan(plans, `${batch},${rows},${cols},${weight}`, () => build(batch, rows, cols, weight)), [xAddress, outAddress])

/** How many row-sum plans are cached (a leak check). */
export const cachedRowSumPlans = (): number => plans.size
