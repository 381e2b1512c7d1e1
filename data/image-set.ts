/** The in-memory form of an image artifact, shared by the data stages and the ML code. */
export interface ImageSet {
  /** Row ids (stable across splits: the ingest row number). */
  readonly ids: Int32Array
  /** Class index per row, 0..classNames.length-1. */
  readonly labels: Uint8Array
  /** Row-major pixels, `count * height * width * channels` bytes, HWC per image. */
  readonly pixels: Uint8Array
  readonly count: number
  /** [height, width, channels] */
  readonly shape: readonly [number, number, number]
  readonly classNames: ReadonlyArray<string>
}
