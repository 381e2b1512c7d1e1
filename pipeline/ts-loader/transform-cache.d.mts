/** Types of the parts of transform-cache.mjs that TypeScript modules use. */
export declare const cacheDir: string | undefined
export declare const compilerTag: string
export declare const isTypeScript: (url: string) => boolean
export declare const privateDirProblem: (dir: string) => string | undefined
export declare const compiledCode: (source: string, file: string) => Promise<string>
export declare const writeEntryFile: (file: string, text: string) => void
