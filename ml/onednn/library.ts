/**
 * Debian's oneDNN 2.x (`libdnnl.so.2`, package libdnnl2) through koffi's FFI: the C functions SEED's
 * native kernels call, its version and CPU ISA, and the OpenMP thread count. Loaded once per process,
 * on first use; `probeOneDnn` only asks whether it loads (cheap, never throws: used at plan time).
 * Why FFI and not an addon: ml/kernels/README.md ("Native kernels").
 */
import * as Data from "effect/Data"
import { createRequire } from "node:module"

/** oneDNN cannot be used here; `hint` says which package to install. */
export class OneDnnUnavailable extends Data.TaggedError("OneDnnUnavailable")<{
  readonly message: string
  readonly hint: string
}> {}

/** The Debian package (and how to install it) that provides the library. */
export const ONEDNN_PACKAGE = "libdnnl2"
/** Where the library is looked for: a file name on the loader path, or a path (SEED_ONEDNN_LIBRARY overrides it). */
export const onednnLibrary = (): string => process.env.SEED_ONEDNN_LIBRARY ?? "libdnnl.so.2"
export const ONEDNN_INSTALL_HINT =
  "install oneDNN 2.x: `apt-get install libdnnl2` on Debian/Ubuntu; elsewhere build or install oneDNN 2.x and point " +
  "SEED_ONEDNN_LIBRARY at its libdnnl.so.2; or set compute.backend to auto or wasm"

type Fn = (...args: Array<any>) => any

/** The C API functions the kernels use (oneDNN 2.x; 3.x replaced the *_desc_init functions). */
export interface OneDnnApi {
  readonly engineCreate: Fn
  readonly streamCreate: Fn
  readonly streamWait: Fn
  readonly mdInitByTag: Fn
  readonly mdInitByStrides: Fn
  readonly mdEqual: Fn
  readonly mdSize: Fn
  readonly convForwardInit: Fn
  readonly convBackwardDataInit: Fn
  readonly convBackwardWeightsInit: Fn
  readonly matmulInit: Fn
  readonly eltwiseForwardInit: Fn
  readonly binaryInit: Fn
  readonly eltwiseBackwardInit: Fn
  readonly pdCreate: Fn
  readonly attrCreate: Fn
  readonly attrDestroy: Fn
  readonly attrSetPostOps: Fn
  readonly postOpsCreate: Fn
  readonly postOpsDestroy: Fn
  readonly postOpsAppendEltwise: Fn
  readonly pdQueryMd: Fn
  readonly pdQuery: Fn
  readonly pdDestroy: Fn
  readonly reorderPdCreate: Fn
  readonly primitiveCreate: Fn
  readonly primitiveDestroy: Fn
  readonly primitiveExecute: Fn
  readonly memoryCreate: Fn
  readonly memorySetHandle: Fn
  readonly memoryDestroy: Fn
}

export interface OneDnn {
  readonly api: OneDnnApi
  /** koffi itself (addresses of typed arrays, string decoding). */
  readonly koffi: typeof import("koffi")
  /** "2.6.3" */
  readonly version: string
  /** The instruction set oneDNN's kernels use here, e.g. "avx512_core_bf16". */
  readonly isa: string
  /** Sets OpenMP's thread count for primitives created afterwards (oneDNN sizes its work split at creation). */
  readonly setThreads: (threads: number) => void
  readonly maxThreads: () => number
}

/** What the plan-time probe found. */
export type OneDnnProbe =
  | { readonly available: true; readonly version: string; readonly isa: string }
  | { readonly available: false; readonly reason: string }

// dnnl_cpu_isa_t values (dnnl_types.h, 2.x)
const isaNames: Record<number, string> = {
  0x0: "all", 0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0xf: "avx512_mic", 0x1f: "avx512_mic_4ops",
  0x27: "avx512_core", 0x67: "avx512_core_vnni", 0xe7: "avx512_core_bf16", 0x3e7: "avx512_core_amx", 0x407: "avx2_vnni"
}

const require = createRequire(import.meta.url)
let loaded: OneDnn | OneDnnUnavailable | undefined

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause)).split("\n")[0]

const open = (): OneDnn => {
  let koffi: typeof import("koffi")
  try {
    koffi = require("koffi")
  } catch (cause) {
    throw new OneDnnUnavailable({ message: `the FFI package koffi did not load: ${describe(cause)}`, hint: "run `pnpm install`" })
  }
  let lib: ReturnType<typeof koffi.load>
  try {
    lib = koffi.load(onednnLibrary())
  } catch (cause) {
    throw new OneDnnUnavailable({ message: `oneDNN (${onednnLibrary()}, Debian package ${ONEDNN_PACKAGE}) is not installed: ${describe(cause)}`, hint: ONEDNN_INSTALL_HINT })
  }
  const Version = koffi.struct({ major: "int", minor: "int", patch: "int", hash: "const char *", cpuRuntime: "unsigned int", gpuRuntime: "unsigned int" })
  const v = koffi.decode(lib.func("void *dnnl_version()")(), Version) as { major: number; minor: number; patch: number }
  const version = `${v.major}.${v.minor}.${v.patch}`
  if (v.major !== 2) {
    throw new OneDnnUnavailable({ message: `oneDNN ${version} found; SEED's kernels use the 2.x C API`, hint: ONEDNN_INSTALL_HINT })
  }
  const f = (proto: string): Fn => lib.func(proto)
  const api: OneDnnApi = {
    engineCreate: f("int dnnl_engine_create(void *out, int kind, size_t index)"),
    streamCreate: f("int dnnl_stream_create(void *out, void *engine, unsigned int flags)"),
    streamWait: f("int dnnl_stream_wait(void *stream)"),
    mdInitByTag: f("int dnnl_memory_desc_init_by_tag(void *md, int ndims, void *dims, int dt, int tag)"),
    mdInitByStrides: f("int dnnl_memory_desc_init_by_strides(void *md, int ndims, void *dims, int dt, void *strides)"),
    mdEqual: f("int dnnl_memory_desc_equal(void *a, void *b)"),
    mdSize: f("size_t dnnl_memory_desc_get_size(void *md)"),
    convForwardInit: f("int dnnl_convolution_forward_desc_init(void *cd, int prop, int alg, void *src, void *w, void *b, void *dst, void *strides, void *pl, void *pr)"),
    convBackwardDataInit: f("int dnnl_convolution_backward_data_desc_init(void *cd, int alg, void *dsrc, void *w, void *ddst, void *strides, void *pl, void *pr)"),
    convBackwardWeightsInit: f("int dnnl_convolution_backward_weights_desc_init(void *cd, int alg, void *src, void *dw, void *db, void *ddst, void *strides, void *pl, void *pr)"),
    matmulInit: f("int dnnl_matmul_desc_init(void *md, void *src, void *weights, void *bias, void *dst)"),
    binaryInit: f("int dnnl_binary_desc_init(void *bd, int alg, void *src0, void *src1, void *dst)"),
    eltwiseForwardInit: f("int dnnl_eltwise_forward_desc_init(void *ed, int prop, int alg, void *data, float alpha, float beta)"),
    eltwiseBackwardInit: f("int dnnl_eltwise_backward_desc_init(void *ed, int alg, void *diffData, void *data, float alpha, float beta)"),
    pdCreate: f("int dnnl_primitive_desc_create(void *out, void *opdesc, void *attr, void *engine, void *hint)"),
    attrCreate: f("int dnnl_primitive_attr_create(void *out)"),
    attrDestroy: f("int dnnl_primitive_attr_destroy(void *attr)"),
    attrSetPostOps: f("int dnnl_primitive_attr_set_post_ops(void *attr, void *postOps)"),
    postOpsCreate: f("int dnnl_post_ops_create(void *out)"),
    postOpsDestroy: f("int dnnl_post_ops_destroy(void *postOps)"),
    // 2.x signature (3.x dropped the scale)
    postOpsAppendEltwise: f("int dnnl_post_ops_append_eltwise(void *postOps, float scale, int alg, float alpha, float beta)"),
    pdQueryMd: f("void *dnnl_primitive_desc_query_md(void *pd, int what, int index)"),
    pdQuery: f("int dnnl_primitive_desc_query(void *pd, int what, int index, void *result)"),
    pdDestroy: f("int dnnl_primitive_desc_destroy(void *pd)"),
    reorderPdCreate: f("int dnnl_reorder_primitive_desc_create(void *out, void *src, void *srcEngine, void *dst, void *dstEngine, void *attr)"),
    primitiveCreate: f("int dnnl_primitive_create(void *out, void *pd)"),
    primitiveDestroy: f("int dnnl_primitive_destroy(void *primitive)"),
    primitiveExecute: f("int dnnl_primitive_execute(void *primitive, void *stream, int nargs, void *args)"),
    memoryCreate: f("int dnnl_memory_create(void *out, void *md, void *engine, void *handle)"),
    memorySetHandle: f("int dnnl_memory_set_data_handle(void *memory, void *handle)"),
    memoryDestroy: f("int dnnl_memory_destroy(void *memory)")
  }
  const isaCode = Number(lib.func("int dnnl_get_effective_cpu_isa()")())
  const isa = isaNames[isaCode] ?? `isa-0x${isaCode.toString(16)}`
  // Debian builds oneDNN on OpenMP (libgomp): its thread count is OpenMP's
  let gomp: ReturnType<typeof koffi.load> | undefined
  try {
    gomp = koffi.load("libgomp.so.1")
  } catch {
    gomp = undefined
  }
  const setNumThreads: Fn | undefined = gomp?.func("void omp_set_num_threads(int n)")
  const getMaxThreads: Fn | undefined = gomp?.func("int omp_get_max_threads()")
  return {
    api,
    koffi,
    version,
    isa,
    setThreads: (threads) => setNumThreads?.(threads),
    maxThreads: () => (getMaxThreads ? Number(getMaxThreads()) : 1)
  }
}

/** Loads oneDNN (once per process); throws OneDnnUnavailable when it cannot. */
export const loadOneDnn = (): OneDnn => {
  if (loaded === undefined) {
    try {
      loaded = open()
    } catch (cause) {
      loaded = cause instanceof OneDnnUnavailable ? cause : new OneDnnUnavailable({ message: `oneDNN did not load: ${describe(cause)}`, hint: ONEDNN_INSTALL_HINT })
    }
  }
  if (loaded instanceof OneDnnUnavailable) throw loaded
  return loaded
}

/** Whether oneDNN loads here, with its version and ISA; never throws. Loads nothing but the library. */
export const probeOneDnn = (): OneDnnProbe => {
  try {
    const { version, isa } = loadOneDnn()
    return { available: true, version, isa }
  } catch (cause) {
    return { available: false, reason: cause instanceof OneDnnUnavailable ? cause.message : describe(cause) }
  }
}
