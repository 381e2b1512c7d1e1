/**
 * Element-wise functions on oneDNN (vectorised, on its threads), over a flat run of `count` floats at
 * absolute addresses: forward y = f(x), and the backward pass of ReLU dx = dy * (x > 0) in one pass.
 * Plans (primitive descriptors, primitives, memory objects) are cached per function and size.
 */
import { loadOneDnn } from "./library.ts"
import { engineAndStream } from "./convolution.ts"

/** dnnl_alg_kind_t values (dnnl_types.h, 2.x). */
export const ELTWISE = { relu: 0x1f, softRelu: 0x9f, logistic: 0xaf } as const
export type EltwiseAlgorithm = (typeof ELTWISE)[keyof typeof ELTWISE]

interface Plan {
  readonly primitive: bigint
  readonly args: Uint8Array
  readonly nargs: number
  /** The memory objects bound to the call's addresses, in the order the caller passes them. */
  readonly bound: ReadonlyArray<bigint>
}

const MD_BYTES = 1024, OP_DESC_BYTES = 8192, F32 = 3, TAG_A = 2
const FORWARD_INFERENCE = 96, FORWARD_TRAINING = 64
const ARG = { src: 1, dst: 17, diffSrc: 129, diffDst: 145 } as const
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

const argsOf = (pairs: ReadonlyArray<readonly [number, bigint]>): Uint8Array => {
  const args = new Uint8Array(16 * pairs.length)
  const view = new DataView(args.buffer)
  pairs.forEach(([arg, memory], i) => {
    view.setInt32(16 * i, arg, true)
    view.setBigUint64(16 * i + 8, memory, true)
  })
  return args
}

const flat = (count: number): Uint8Array => {
  const md = new Uint8Array(MD_BYTES)
  check(loadOneDnn().api.mdInitByTag(md, 1, BigInt64Array.from([BigInt(count)]), F32, TAG_A), "memory_desc_init_by_tag")
  return md
}

const forwardPd = (alg: EltwiseAlgorithm, md: Uint8Array, prop: number): bigint => {
  const { api } = loadOneDnn()
  const desc = new Uint8Array(OP_DESC_BYTES)
  check(api.eltwiseForwardInit(desc, prop, alg, md, 0, 0), "eltwise_forward_desc_init")
  return created(api.pdCreate(out, desc, null, engineAndStream().engine, null), "eltwise forward primitive_desc_create")
}

const memories = (md: Uint8Array, n: number): Array<bigint> =>
  Array.from({ length: n }, () => created(loadOneDnn().api.memoryCreate(out, md, engineAndStream().engine, null), "memory_create"))

const buildForward = (alg: EltwiseAlgorithm, count: number): Plan => {
  const md = flat(count)
  const pd = forwardPd(alg, md, FORWARD_INFERENCE)
  const primitive = created(loadOneDnn().api.primitiveCreate(out, pd), "eltwise primitive_create")
  const [x, y] = memories(md, 2)
  return { primitive, args: argsOf([[ARG.src, x], [ARG.dst, y]]), nargs: 2, bound: [x, y] }
}

const buildBackward = (alg: EltwiseAlgorithm, count: number): Plan => {
  const { api } = loadOneDnn()
  const md = flat(count)
  const hint = forwardPd(alg, md, FORWARD_TRAINING)
  const desc = new Uint8Array(OP_DESC_BYTES)
  check(api.eltwiseBackwardInit(desc, alg, md, md, 0, 0), "eltwise_backward_desc_init")
  const pd = created(api.pdCreate(out, desc, null, engineAndStream().engine, hint), "eltwise backward primitive_desc_create")
  const primitive = created(api.primitiveCreate(out, pd), "eltwise primitive_create")
  const [x, dy, dx] = memories(md, 3)
  return { primitive, args: argsOf([[ARG.src, x], [ARG.diffDst, dy], [ARG.diffSrc, dx]]), nargs: 3, bound: [x, dy, dx] }
}

const run = (key: string, build: () => Plan, addresses: ReadonlyArray<number>): void => {
  let plan = plans.get(key)
  if (plan === undefined) {
    plan = build()
    plans.set(key, plan)
  }
  const { api } = loadOneDnn()
  const { stream } = engineAndStream()
  plan.bound.forEach((memory, i) => check(api.memorySetHandle(memory, addresses[i]), "memory_set_data_handle"))
  check(api.primitiveExecute(plan.primitive, stream, plan.nargs, plan.args), "primitive_execute")
  check(api.streamWait(stream), "stream_wait")
  runs++
}

/** y = f(x) over `count` floats (x and y may be the same address). */
export const runEltwiseForward = (alg: EltwiseAlgorithm, count: number, x: number, y: number): void =>
  run(`f${alg}:${count}`, () => buildForward(alg, count), [x, y])

/** dx = f'(x) dy over `count` floats, f'(x) taken at the forward input x. */
export const runEltwiseBackward = (alg: EltwiseAlgorithm, count: number, x: number, dy: number, dx: number): void =>
  run(`b${alg}:${count}`, () => buildBackward(alg, count), [x, dy, dx])

/** How many element-wise passes ran natively (tests check the kernels were used). */
export const eltwiseRuns = (): number => runs
/** How many plans are cached (a leak check). */
export const cachedEltwisePlans = (): number => plans.size
