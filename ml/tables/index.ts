/** The ML artifacts' Arrow IO, for the stages' single dynamic import. */
export * from "./arrow-file.ts"
export * from "./embeddings.ts"
export * from "./history.ts"
export * from "./probe-results.ts"
export * from "./weights.ts"
