/**
 * Weighted sums over the middle axis of x [B, R, C] on oneDNN: out[b, c] = w * sum_r x[b, r, c], as one
 * matmul of a constant row vector (w, ..., w) [1, R] with x (batch broadcast). w = 1: the bias gradient
 * (dy summed over N, H, W); w = 1/R: global average pooling. oneDNN's gemm blocks the accumulation, so
 * float32 keeps the digits that a row-by-row float32 loop would lose.
 */
import { loadOneDnn } from "./library.ts"
import { engineAndStream } from "./convolution.ts"

interface Plan {
  readonly primitive: bigint
  readonly args: Uint8Array
  readonly x: bigint
  readonly out: bigint
  /** The constant vector; referenced so that its (off-heap, never moved) memory lives as long as the plan. */
  readonly weights: Float32Array
}

const MD_BYTES = 1024, OP_DESC_BYTES = 8192, F32 = 3, TAG_ABC = 4
const ARG = { src: 1, weights: 33, dst: 17 } as const
const out = new BigUint64Array(1)
const plans = new Map<string, Plan>()

const check = (status: number, what: string): void => {
  if (status !== 0) throw new Error(`oneDNN ${what} failed with status ${status}`)
}
const created = (status: number, what: string): bigint => {
  check(status, what)
  return out[0]
}

const build = (batch: number, rows: number, cols: number, weight: number): Plan => {
  const { api, koffi } = loadOneDnn()
  const { engine } = engineAndStream()
  const md = (...d: Array<number>): Uint8Array => {
    const m = new Uint8Array(MD_BYTES)
    check(api.mdInitByTag(m, 3, BigInt64Array.from(d.map(BigInt)), F32, TAG_ABC), "memory_desc_init_by_tag")
    return m
  }
  const vector = md(1, 1, rows), x = md(batch, rows, cols), dst = md(batch, 1, cols)
  const desc = new Uint8Array(OP_DESC_BYTES)
  check(api.matmulInit(desc, vector, x, null, dst), "matmul_desc_init")
  const pd = created(api.pdCreate(out, desc, null, engine, null), "matmul primitive_desc_create")
  const primitive = created(api.primitiveCreate(out, pd), "matmul primitive_create")
  // at least 64 floats: V8 keeps only tiny typed arrays on its (moving) heap
  const weights = new Float32Array(Math.max(rows, 64)).fill(weight)
  const mem = (m: Uint8Array, handle: bigint | number | null) => created(api.memoryCreate(out, m, engine, handle), "memory_create")
  const vectorMem = mem(vector, Number(koffi.address(weights)))
  const xMem = mem(x, null), dstMem = mem(dst, null)
  const args = new Uint8Array(48)
  const view = new DataView(args.buffer)
  ;([[ARG.src, vectorMem], [ARG.weights, xMem], [ARG.dst, dstMem]] as const).forEach(([arg, m], i) => {
    view.setInt32(16 * i, arg, true)
    view.setBigUint64(16 * i + 8, m, true)
  })
  return { primitive, args, x: xMem, out: dstMem, weights }
}

/** out [B, C] = weight * sum over r of x [B, R, C]; both at absolute addresses valid for the call. */
export const runRowSum = (batch: number, rows: number, cols: number, weight: number, xAddress: number, outAddress: number): void => {
  const key = `${batch},${rows},${cols},${weight}`
  let plan = plans.get(key)
  if (plan === undefined) {
    plan = build(batch, rows, cols, weight)
    plans.set(key, plan)
  }
  const { api } = loadOneDnn()
  const { stream } = engineAndStream()
  check(api.memorySetHandle(plan.x, xAddress), "memory_set_data_handle")
  check(api.memorySetHandle(plan.out, outAddress), "memory_set_data_handle")
  check(api.primitiveExecute(plan.primitive, stream, 3, plan.args), "primitive_execute")
  check(api.streamWait(stream), "stream_wait")
}

/** How many row-sum plans are cached (a leak check). */
export const cachedRowSumPlans = (): number => plans.size
