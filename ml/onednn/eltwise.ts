/**
 * Element-wise functions on oneDNN (vectorised, on its threads), over a flat run of `count` floats at
 * absolute addresses: forward y = f(x), and the backward pass of ReLU dx = dy * (x > 0) in one pass.
 * Plans (primitive descriptors, primitives, memory objects) are cached per function and size.
 */
import { loadOneDnn } from "./library.ts"
import { argsOf, cachedPlan, execute, memoryOf, plainDesc, primitiveOf, type Plan } from "./primitive.ts"

/** dnnl_alg_kind_t values (dnnl_types.h, 2.x). */
export const ELTWISE = { relu: 0x1f, softRelu: 0x9f, logistic: 0xaf } as const
export type EltwiseAlgorithm = (typeof ELTWISE)[keyof typeof ELTWISE]

const FORWARD_INFERENCE = 96, FORWARD_TRAINING = 64
const ARG = { src: 1, dst: 17, diffSrc: 129, diffDst: 145 } as const
const plans = new Map<string, Plan>()
let runs = 0

const forward = (alg: EltwiseAlgorithm, md: Uint8Array, prop: number) =>
  primitiveOf("eltwise forward", (desc) => loadOneDnn().api.eltwiseForwardInit(desc, prop, alg, md, 0, 0))

const buildForward = (alg: EltwiseAlgorithm, count: number): Plan => {
  const md = plainDesc([count])
  const { primitive } = forward(alg, md, FORWARD_INFERENCE)
  const [x, y] = [memoryOf(md), memoryOf(md)]
  return { primitive, args: argsOf([[ARG.src, x], [ARG.dst, y]]), nargs: 2, bound: [x, y] }
}

const buildBackward = (alg: EltwiseAlgorithm, count: number): Plan => {
  const md = plainDesc([count])
  const hint = forward(alg, md, FORWARD_TRAINING).pd
  const { primitive } = primitiveOf("eltwise backward", (desc) => loadOneDnn().api.eltwiseBackwardInit(desc, alg, md, md, 0, 0), hint)
  const [x, dy, dx] = [memoryOf(md), memoryOf(md), memoryOf(md)]
  return { primitive, args: argsOf([[ARG.src, x], [ARG.diffDst, dy], [ARG.diffSrc, dx]]), nargs: 3, bound: [x, dy, dx] }
}

/** y = f(x) over `count` floats (x and y may be the same address). */
export const runEltwiseForward = (alg: EltwiseAlgorithm, count: number, x: number, y: number): void => {
  execute(cachedPlan(plans, `f${alg}:${count}`, () => buildForward(alg, count)), [x, y])
  runs++
}

/** dx = f'(x) dy over `count` floats, f'(x) taken at the forward input x. */
export const runEltwiseBackward = (alg: EltwiseAlgorithm, count: number, x: number, dy: number, dx: number): void => {
  execute(cachedPlan(plans, `b${alg}:${count}`, () => buildBackward(alg, count)), [x, dy, dx])
  runs++
}

/** How many element-wise passes ran natively (tests check the kernels were used). */
export const eltwiseRuns = (): number => runs
/** How many plans are cached (a leak check). */
export const cachedEltwisePlans = (): number => plans.size
