/**
 * Element-wise binary operations on oneDNN: out [rows, cols] = a [rows, cols] op b, where b is [rows, cols],
 * one row [1, cols] broadcast down the rows (a bias over NHWC activations), or a scalar [1, 1], at absolute
 * addresses. Plans are cached per operation and shape. (A scalar must be [1, 1] against [1, n]: against
 * [n, 1], oneDNN 2.6 runs its reference loop, measured 5x slower than wasm; the native kernels use it
 * only for the row broadcast, where it beats wasm.)
 */
import { loadOneDnn } from "./library.ts"
import { engineAndStream } from "./convolution.ts"

/** dnnl_alg_kind_t values (dnnl_types.h, 2.x). */
export const BINARY = { add: 0x1fff0, mul: 0x1fff1, div: 0x1fff4, sub: 0x1fff5 } as const
export type BinaryAlgorithm = (typeof BINARY)[keyof typeof BINARY]

interface Plan {
  readonly primitive: bigint
  readonly args: Uint8Array
  readonly memories: readonly [bigint, bigint, bigint]
}

const MD_BYTES = 1024, OP_DESC_BYTES = 8192, F32 = 3, TAG_AB = 3
const ARG = { src0: 1, src1: 2, dst: 17 } as const
const out = new BigUint64Array(1)
const plans = new Map<string, Plan>()
let runs = 0

const check = (status: number, what: string): void => {
  if (status !== 0) throw new Error(`oneDNN ${what} failed with status ${status}`)
}
const created = (status: number, what: string): bigint => {
  check(status, what)
  return out[0]
}

const build = (alg: BinaryAlgorithm, rows: number, cols: number, bRows: number, bCols: number): Plan => {
  const { api } = loadOneDnn()
  const { engine } = engineAndStream()
  const md = (r: number, c: number): Uint8Array => {
    const m = new Uint8Array(MD_BYTES)
    check(api.mdInitByTag(m, 2, BigInt64Array.from([BigInt(r), BigInt(c)]), F32, TAG_AB), "memory_desc_init_by_tag")
    return m
  }
  const [a, b, c] = [md(rows, cols), md(bRows, bCols), md(rows, cols)]
  const desc = new Uint8Array(OP_DESC_BYTES)
  check(api.binaryInit(desc, alg, a, b, c), "binary_desc_init")
  const pd = created(api.pdCreate(out, desc, null, engine, null), "binary primitive_desc_create")
  const primitive = created(api.primitiveCreate(out, pd), "binary primitive_create")
  const memories = [a, b, c].map((d) => created(api.memoryCreate(out, d, engine, null), "memory_create")) as [bigint, bigint, bigint]
  const args = new Uint8Array(48)
  const view = new DataView(args.buffer)
  ;[ARG.src0, ARG.src1, ARG.dst].forEach((arg, i) => {
    view.setInt32(16 * i, arg, true)
    view.setBigUint64(16 * i + 8, memories[i], true)
  })
  return { primitive, args, memories }
}

/** out = a op b; b is [bRows, bCols]: [rows, cols], [1, cols] or [1, 1]. */
export const runBinary = (alg: BinaryAlgorithm, rows: number, cols: number, bRows: number, bCols: number, a: number, b: number, c: number): void => {
  const key = `${alg}:${rows},${cols},${bRows},${bCols}`
  let plan = plans.get(key)
  if (plan === undefined) {
    plan = build(alg, rows, cols, bRows, bCols)
    plans.set(key, plan)
  }
  const { api } = loadOneDnn()
  const { stream } = engineAndStream()
  ;[a, b, c].forEach((address, i) => check(api.memorySetHandle(plan.memories[i], address), "memory_set_data_handle"))
  check(api.primitiveExecute(plan.primitive, stream, 3, plan.args), "primitive_execute")
  check(api.streamWait(stream), "stream_wait")
  runs++
}

/** How many binary operations ran natively (tests check the kernels were used). */
export const binaryRuns = (): number => runs
/** How many plans are cached (a leak check). */
export const cachedBinaryPlans = (): number => plans.size
