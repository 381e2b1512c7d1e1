/** Content hashes of source files, recorded in the table metadata as provenance. */
import { hashFileSync } from "../pipeline/file-hash.ts"
import type { SourceFile } from "./image-metadata.ts"

/** A source file's provenance record: its path, sha256 and size. */
export const sourceFile = (path: string): SourceFile => ({ path, ...hashFileSync(path) })
