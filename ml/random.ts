/**
 * The seeded generator lives in data/random.ts (the data layer draws from it too, and may not import
 * ml/). This re-export keeps the kernel and method code, and their benches and tests, on their old
 * import path until they next change; new code imports data/random.ts.
 */
export * from "../data/random.ts"
