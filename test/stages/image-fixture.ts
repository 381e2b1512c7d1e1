/** Writes an in-memory ImageSet as an image table with the data layer's writer (inputs for stage tests). */
import * as Effect from "effect/Effect"
import type { ImageSet } from "../../data/image-set.ts"
import { makeImageTableWriter } from "../../data/image-table.ts"

export const writeImageSet = (path: string, set: ImageSet): Promise<void> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const classCounts = set.classNames.map((_, k) => set.labels.filter((l) => l === k).length)
        const writer = yield* makeImageTableWriter(path, {
          kind: "images",
          source: "test-strokes",
          shape: [...set.shape],
          classNames: [...set.classNames],
          rows: set.count,
          classCounts,
          sourceFiles: []
        })
        yield* writer.append({ count: set.count, ids: set.ids, labels: set.labels, pixels: set.pixels })
        yield* writer.commit
      })
    )
  )
