/**
 * Element-wise binary operations on oneDNN with a row broadcast: out [rows, cols] = a [rows, cols] op b,
 * b one row [1, cols] (a bias over NHWC activations), at absolute addresses. Plans are cached per
 * operation and shape. Only this case is used: same shapes and scalars measured faster on wasm's
 * XNNPACK, and a scalar as [n, 1] ran oneDNN 2.6's reference loop (5x slower than wasm).
 */
import { loadOneDnn } from "./library.ts"
import { argsOf, cachedPlan, execute, memoryOf, plainDesc, primitiveOf, type Plan } from "./primitive.ts"

/** dnnl_alg_kind_t values (dnnl_types.h, 2.x). */
export const BINARY = { add: 0x1fff0, mul: 0x1fff1, div: 0x1fff4, sub: 0x1fff5 } as const
export type BinaryAlgorithm = (typeof BINARY)[keyof typeof BINARY]

const ARG = { src0: 1, src1: 2, dst: 17 } as const
const plans = new Map<string, Plan>()
let runs = 0

const build = (alg: BinaryAlgorithm, rows: number, cols: number): Plan => {
  const [a, b, c] = [plainDesc([rows, cols]), plainDesc([1, cols]), plainDesc([rows, cols])]
  const { primitive } = primitiveOf("binary", (desc) => loadOneDnn().api.binaryInit(desc, alg, a, b, c))
  const bound = [memoryOf(a), memoryOf(b), memoryOf(c)]
  return { primitive, args: argsOf([[ARG.src0, bound[0]], [ARG.src1, bound[1]], [ARG.dst, bound[2]]]), nargs: 3, bound }
}

/** out [rows, cols] = a [rows, cols] op b [1, cols]. */
export const runBinary = (alg: BinaryAlgorithm, rows: number, cols: number, a: number, b: number, c: number): void => {
  execute(cachedPlan(plans, `${alg}:${rows},${cols}`, () => build(alg, rows, cols)), [a, b, c])
  runs++
}

/** How many binary operations ran natively (tests check the kernels were used). */
export const binaryRuns = (): number => runs
/** How many plans are cached (a leak check). */
export const cachedBinaryPlans = (): number => plans.size
