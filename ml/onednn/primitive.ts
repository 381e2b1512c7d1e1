/**
 * What every small oneDNN plan (matmul, eltwise, binary, row sum) does the same way: status checks,
 * memory descriptors, one primitive from an op descriptor, memory objects, the argument list, a cache of
 * plans per key, and one execution on the call's addresses. (The convolutions keep their own multi-step
 * plans in ./convolution.ts.)
 */
import { loadOneDnn } from "./library.ts"
import { engineAndStream } from "./convolution.ts"

// ABI constants of oneDNN 2.x (dnnl_types.h); buffers are oversized so a larger struct in a later 2.x still fits
export const MD_BYTES = 1024
export const OP_DESC_BYTES = 8192
export const F32 = 3

/** One primitive and its arguments; `bound` are the memory objects that take the call's addresses, in order. */
export interface Plan {
  readonly primitive: bigint
  readonly args: Uint8Array
  readonly nargs: number
  readonly bound: ReadonlyArray<bigint>
}

const out = new BigUint64Array(1)

export const check = (status: number, what: string): void => {
  if (status !== 0) throw new Error(`oneDNN ${what} failed with status ${status}`)
}

/** The handle a dnnl_*_create call wrote to its out parameter (`make` receives that parameter). */
export const created = (make: (out: BigUint64Array) => number, what: string): bigint => {
  check(make(out), what)
  return out[0]
}

/** A plain (row-major) float32 memory descriptor (format tag dnnl_a = 2, dnnl_ab = 3, dnnl_abc = 4, ...: dims + 1). */
export const plainDesc = (dims: ReadonlyArray<number>): Uint8Array => {
  const md = new Uint8Array(MD_BYTES)
  check(loadOneDnn().api.mdInitByTag(md, dims.length, BigInt64Array.from(dims.map(BigInt)), F32, dims.length + 1), "memory_desc_init_by_tag")
  return md
}

/** A float32 memory descriptor with explicit strides (a transposed operand read in place). */
export const stridedDesc = (dims: ReadonlyArray<number>, strides: ReadonlyArray<number>): Uint8Array => {
  const md = new Uint8Array(MD_BYTES)
  check(loadOneDnn().api.mdInitByStrides(md, dims.length, BigInt64Array.from(dims.map(BigInt)), F32, BigInt64Array.from(strides.map(BigInt))), "memory_desc_init_by_strides")
  return md
}

/** The primitive of an op descriptor that `init` fills in (`hint`: a forward primitive descriptor, for a backward pass). */
export const primitiveOf = (what: string, init: (desc: Uint8Array) => number, hint: bigint | null = null): { pd: bigint; primitive: bigint } => {
  const { api } = loadOneDnn()
  const desc = new Uint8Array(OP_DESC_BYTES)
  check(init(desc), `${what} desc_init`)
  const pd = created((o) => api.pdCreate(o, desc, null, engineAndStream().engine, hint), `${what} primitive_desc_create`)
  return { pd, primitive: created((o) => api.primitiveCreate(o, pd), `${what} primitive_create`) }
}

/** A memory object over `md`; `handle` null until a call sets it, or a fixed address. */
export const memoryOf = (md: Uint8Array, handle: number | null = null): bigint =>
  created((o) => loadOneDnn().api.memoryCreate(o, md, engineAndStream().engine, handle), "memory_create")

/** The dnnl_exec_arg_t array: (argument kind, memory object) pairs. */
export const argsOf = (pairs: ReadonlyArray<readonly [number, bigint]>): Uint8Array => {
  const args = new Uint8Array(16 * pairs.length)
  const view = new DataView(args.buffer)
  pairs.forEach(([arg, memory], i) => {
    view.setInt32(16 * i, arg, true)
    view.setBigUint64(16 * i + 8, memory, true)
  })
  return args
}

/** The plan cached under `key`, built on first use. */
export const cachedPlan = (plans: Map<string, Plan>, key: string, build: () => Plan): Plan => {
  let plan = plans.get(key)
  if (plan === undefined) {
    plan = build()
    plans.set(key, plan)
  }
  return plan
}

/** Runs a plan on memory at absolute addresses (one per bound memory object), valid for the call. */
export const execute = (plan: Plan, addresses: ReadonlyArray<number>): void => {
  const { api } = loadOneDnn()
  const { stream } = engineAndStream()
  plan.bound.forEach((memory, i) => check(api.memorySetHandle(memory, addresses[i]), "memory_set_data_handle"))
  check(api.primitiveExecute(plan.primitive, stream, plan.nargs, plan.args), "primitive_execute")
  check(api.streamWait(stream), "stream_wait")
}
