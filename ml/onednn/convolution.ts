/**
 * oneDNN convolutions on tensors that stay where they are (tfjs-wasm's heap): activations NHWC, filters
 * HWIO as tfjs stores them. Weights go through oneDNN's own blocked layout (a reorder per call, ~0.05 ms),
 * because the plain HWIO layout forces its slow gemm kernel (measured 151 vs 84 ms per reference step).
 * Plans (primitives + reorders + memory objects) are built once per pass and shape and cached.
 */
import { loadOneDnn, type OneDnn } from "./library.ts"

/** The geometry of one NHWC convolution, padding resolved. */
export interface ConvShape {
  readonly batch: number
  readonly inHeight: number
  readonly inWidth: number
  readonly inChannels: number
  readonly outHeight: number
  readonly outWidth: number
  readonly outChannels: number
  readonly filterHeight: number
  readonly filterWidth: number
  readonly strideHeight: number
  readonly strideWidth: number
  readonly padTop: number
  readonly padBottom: number
  readonly padLeft: number
  readonly padRight: number
}

/** forward: (x, w) -> y; backwardData: (dy, w) -> dx; backwardWeights: (x, dy) -> dw. */
export type ConvPass = "forward" | "backwardData" | "backwardWeights"

/** What a forward pass adds to its output before writing it: a per-channel bias (a fourth address), then ReLU (a post-op). */
export interface ConvEpilogue {
  readonly bias: boolean
  readonly relu: boolean
}

const NO_EPILOGUE: ConvEpilogue = { bias: false, relu: false }

/** A oneDNN call failed (a bug or an unsupported shape, not a missing library). */
export class OneDnnCallFailed extends Error {}

// ABI constants of oneDNN 2.x (dnnl_types.h); buffers are oversized so a larger struct in a later 2.x still fits
const MD_BYTES = 1024, OP_DESC_BYTES = 8192
const CPU = 1, F32 = 3, STREAM_DEFAULT = 1, FORWARD_TRAINING = 64, CONV_DIRECT = 1
const TAG = { any: 1, a: 2, nhwc: 20, hwio: 30 } as const
const RELU = 0x1f
const QUERY = { src: 129, diffSrc: 130, weights: 131, diffWeights: 132, dst: 133, diffDst: 134 } as const
const ARG = { src: 1, dst: 17, weights: 33, bias: 41, diffSrc: 129, diffDst: 145, diffWeights: 161, from: 1, to: 17 } as const
// DNNL_MEMORY_ALLOCATE: oneDNN allocates (and frees) the buffer itself
const ALLOCATE = 0xffffffffffffffffn

/** One primitive execution: which memory objects take which of the call's addresses first. */
interface Step {
  readonly primitive: bigint
  readonly args: Uint8Array
  readonly nargs: number
  readonly bound: ReadonlyArray<{ readonly memory: bigint; readonly address: number }>
}

interface Plan {
  readonly steps: ReadonlyArray<Step>
  readonly destroy: () => void
}

interface Session {
  readonly dnnl: OneDnn
  readonly engine: bigint
  readonly stream: bigint
  readonly plans: Map<string, Plan>
}

let session: Session | undefined
let runs = 0
const out = new BigUint64Array(1)

const check = (status: number, what: string): void => {
  if (status !== 0) throw new OneDnnCallFailed(`oneDNN ${what} failed with status ${status}`)
}
const created = (status: number, what: string): bigint => {
  check(status, what)
  return out[0]
}

const open = (): Session => {
  if (session === undefined) {
    const dnnl = loadOneDnn()
    const engine = created(dnnl.api.engineCreate(out, CPU, 0), "engine_create")
    const stream = created(dnnl.api.streamCreate(out, engine, STREAM_DEFAULT), "stream_create")
    session = { dnnl, engine, stream, plans: new Map() }
  }
  return session
}

const dims = (...values: Array<number>): BigInt64Array => {
  const a = new BigInt64Array(12)
  values.forEach((v, i) => { a[i] = BigInt(v) })
  return a
}

/** Builds one pass's plan: its primitive and the weight reorder around it. */
const buildPlan = (s: Session, pass: ConvPass, g: ConvShape, epilogue: ConvEpilogue): Plan => {
  const { api } = s.dnnl
  const owned: Array<() => void> = []
  const keep = <T>(value: T, destroy: () => void): T => {
    owned.push(destroy)
    return value
  }
  const md = (d: BigInt64Array, ndims: number, tag: number): Uint8Array => {
    const m = new Uint8Array(MD_BYTES)
    check(api.mdInitByTag(m, ndims, d, F32, tag), "memory_desc_init_by_tag")
    return m
  }
  const src = md(dims(g.batch, g.inChannels, g.inHeight, g.inWidth), 4, TAG.nhwc)
  const dst = md(dims(g.batch, g.outChannels, g.outHeight, g.outWidth), 4, TAG.nhwc)
  const weightDims = dims(g.outChannels, g.inChannels, g.filterHeight, g.filterWidth)
  const userWeights = md(weightDims, 4, TAG.hwio)
  const anyWeights = md(weightDims, 4, TAG.any)
  const strides = dims(g.strideHeight, g.strideWidth), padL = dims(g.padTop, g.padLeft), padR = dims(g.padBottom, g.padRight)

  const primitiveDesc = (init: (desc: Uint8Array) => number, hint: bigint | null, what: string, attr: bigint | null = null): bigint => {
    const desc = new Uint8Array(OP_DESC_BYTES)
    check(init(desc), `${what} desc_init`)
    const pd = created(api.pdCreate(out, desc, attr, s.engine, hint), `${what} primitive_desc_create`)
    return keep(pd, () => api.pdDestroy(pd))
  }
  /** Primitive attributes holding a ReLU post-op (the primitive descriptor keeps its own copy). */
  const reluAttributes = (): bigint => {
    const attr = created(api.attrCreate(out), "primitive_attr_create")
    keep(attr, () => api.attrDestroy(attr))
    const postOps = created(api.postOpsCreate(out), "post_ops_create")
    keep(postOps, () => api.postOpsDestroy(postOps))
    check(api.postOpsAppendEltwise(postOps, 1, RELU, 0, 0), "post_ops_append_eltwise")
    check(api.attrSetPostOps(attr, postOps), "primitive_attr_set_post_ops")
    return attr
  }
  const memory = (mdPointer: Uint8Array | bigint, handle: bigint | null): bigint => {
    const m = created(api.memoryCreate(out, mdPointer, s.engine, handle), "memory_create")
    return keep(m, () => api.memoryDestroy(m))
  }
  const primitive = (pd: bigint): bigint => {
    const p = created(api.primitiveCreate(out, pd), "primitive_create")
    return keep(p, () => api.primitiveDestroy(p))
  }
  const step = (pd: bigint, args: ReadonlyArray<readonly [number, bigint]>, bound: Step["bound"]): Step => {
    const buffer = new Uint8Array(16 * args.length)
    const view = new DataView(buffer.buffer)
    args.forEach(([arg, mem], i) => {
      view.setInt32(16 * i, arg, true)
      view.setBigUint64(16 * i + 8, mem, true)
    })
    return { primitive: primitive(pd), args: buffer, nargs: args.length, bound }
  }
  /** The weights as `pd` wants them: the user's HWIO memory itself, or a oneDNN-owned copy plus the reorder between them. */
  const weightsFor = (pd: bigint, query: number, address: number, toUser: boolean): { memory: bigint; reorder?: Step } => {
    const wanted: bigint = api.pdQueryMd(pd, query, 0)
    const user = memory(userWeights, null)
    if (api.mdEqual(wanted, userWeights) !== 0) return { memory: user, reorder: undefined }
    const internal = memory(wanted, ALLOCATE)
    const [from, to] = toUser ? [wanted, userWeights] : [userWeights, wanted]
    const reorderPd = created(api.reorderPdCreate(out, from, s.engine, to, s.engine, null), "reorder_primitive_desc_create")
    keep(reorderPd, () => api.pdDestroy(reorderPd))
    const [fromMem, toMem] = toUser ? [internal, user] : [user, internal]
    return { memory: internal, reorder: step(reorderPd, [[ARG.from, fromMem], [ARG.to, toMem]], [{ memory: user, address }]) }
  }

  const biasDesc = md(dims(g.outChannels), 1, TAG.a)
  const forwardPd = primitiveDesc((d) => api.convForwardInit(d, FORWARD_TRAINING, CONV_DIRECT, src, anyWeights, null, dst, strides, padL, padR), null, "convolution_forward")
  const steps: Array<Step> = []
  // the call's addresses: forward [x, w, y] (+ b), backwardData [dy, w, dx], backwardWeights [x, dy, dw]
  if (pass === "forward") {
    const pd = epilogue.bias || epilogue.relu
      ? primitiveDesc((d) => api.convForwardInit(d, FORWARD_TRAINING, CONV_DIRECT, src, anyWeights, epilogue.bias ? biasDesc : null, dst, strides, padL, padR),
        null, "convolution_forward (fused)", epilogue.relu ? reluAttributes() : null)
      : forwardPd
    const w = weightsFor(pd, QUERY.weights, 1, false)
    const x = memory(src, null), y = memory(dst, null)
    const b = epilogue.bias ? memory(biasDesc, null) : undefined
    if (w.reorder) steps.push(w.reorder)
    steps.push(step(pd, [[ARG.src, x], [ARG.weights, w.memory], [ARG.dst, y], ...(b === undefined ? [] : [[ARG.bias, b] as const])],
      [{ memory: x, address: 0 }, { memory: y, address: 2 }, ...(w.reorder ? [] : [{ memory: w.memory, address: 1 }]), ...(b === undefined ? [] : [{ memory: b, address: 3 }])]))
  } else if (pass === "backwardData") {
    const pd = primitiveDesc((d) => api.convBackwardDataInit(d, CONV_DIRECT, src, anyWeights, dst, strides, padL, padR), forwardPd, "convolution_backward_data")
    const w = weightsFor(pd, QUERY.weights, 1, false)
    const dy = memory(dst, null), dx = memory(src, null)
    if (w.reorder) steps.push(w.reorder)
    steps.push(step(pd, [[ARG.diffDst, dy], [ARG.weights, w.memory], [ARG.diffSrc, dx]], [{ memory: dy, address: 0 }, { memory: dx, address: 2 }, ...(w.reorder ? [] : [{ memory: w.memory, address: 1 }])]))
  } else {
    const pd = primitiveDesc((d) => api.convBackwardWeightsInit(d, CONV_DIRECT, src, anyWeights, null, dst, strides, padL, padR), forwardPd, "convolution_backward_weights")
    const dw = weightsFor(pd, QUERY.diffWeights, 2, true)
    const x = memory(src, null), dy = memory(dst, null)
    steps.push(step(pd, [[ARG.src, x], [ARG.diffDst, dy], [ARG.diffWeights, dw.memory]], [{ memory: x, address: 0 }, { memory: dy, address: 1 }, ...(dw.reorder ? [] : [{ memory: dw.memory, address: 2 }])]))
    if (dw.reorder) steps.push(dw.reorder)
  }
  return { steps, destroy: () => owned.reverse().forEach((d) => d()) }
}

const planKey = (pass: ConvPass, g: ConvShape, epilogue: ConvEpilogue): string =>
  `${pass}${epilogue.bias ? "+bias" : ""}${epilogue.relu ? "+relu" : ""}:${g.batch},${g.inHeight},${g.inWidth},${g.inChannels}>${g.outHeight},${g.outWidth},${g.outChannels}` +
  `/${g.filterHeight}x${g.filterWidth}s${g.strideHeight},${g.strideWidth}p${g.padTop},${g.padBottom},${g.padLeft},${g.padRight}`

/** The process's oneDNN engine and stream (shared by every native primitive). */
export const engineAndStream = (): { readonly engine: bigint; readonly stream: bigint } => open()

/** The address of a typed array's first byte (e.g. a view over the wasm heap). */
export const addressOf = (view: Uint8Array): number => Number(open().dnnl.koffi.address(view))

/** How many convolution passes ran natively in this process (tests and benchmarks check the kernels were used). */
export const convolutionsRun = (): number => runs

/** How many plans are cached (a leak check: it must stop growing once every shape has been seen). */
export const cachedConvPlans = (): number => session?.plans.size ?? 0

/**
 * Runs one pass of a convolution on memory at absolute `addresses` (see ConvPass for their order; a
 * forward pass's bias comes fourth). The caller keeps the addresses valid for the
 * call: they point into a heap that a later malloc may move.
 */
export const runConvolution = (pass: ConvPass, g: ConvShape, addresses: ReadonlyArray<number>, epilogue: ConvEpilogue = NO_EPILOGUE): void => {
  const s = open()
  const used = pass === "forward" ? epilogue : NO_EPILOGUE
  const key = planKey(pass, g, used)
  let plan = s.plans.get(key)
  if (plan === undefined) {
    plan = buildPlan(s, pass, g, used)
    s.plans.set(key, plan)
  }
  const { api } = s.dnnl
  for (const { primitive, args, nargs, bound } of plan.steps) {
    for (const b of bound) check(api.memorySetHandle(b.memory, addresses[b.address]), "memory_set_data_handle")
    check(api.primitiveExecute(primitive, s.stream, nargs, args), "primitive_execute")
  }
  check(api.streamWait(s.stream), "stream_wait")
  runs++
}

/** Frees every cached plan (tests; a process that is done with native kernels). */
export const releaseConvPlans = (): void => {
  if (session === undefined) return
  for (const plan of session.plans.values()) plan.destroy()
  session.plans.clear()
}
