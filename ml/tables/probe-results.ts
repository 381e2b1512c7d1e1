/**
 * The probe artifacts: `metrics` (one row: top1, top5, l2, val_top1), `per_class`
 * (label, name, accuracy, count) and `confusion` (true_label, predicted_label, count; non-zero cells).
 */
import { Field, Float64, Int32, Schema as ArrowSchema, Uint8, Utf8 } from "apache-arrow"
import * as Effect from "effect/Effect"
import type { ProbeResult } from "../linear-probe.ts"
import { ArtifactIoError, seedMetadata, tableOf, writeArrowFile } from "./arrow-file.ts"
import { float64Column, int32Column, uint8Column, utf8Column } from "./columns.ts"

export const metricsFields = ["top1", "top5", "l2", "val_top1"] as const
export const perClassFields = ["label", "name", "accuracy", "count"] as const
export const confusionFields = ["true_label", "predicted_label", "count"] as const

export interface ProbePaths {
  readonly metrics: string
  readonly perClass: string
  readonly confusion: string
}

const float = (name: string) => new Field(name, new Float64(), false)

export const writeProbeResult = (
  paths: ProbePaths,
  result: ProbeResult,
  context: { method: string; kind: string; classNames: ReadonlyArray<string> }
): Effect.Effect<void, ArtifactIoError> =>
  Effect.suspend(() => {
    const meta = { method: context.method, methodKind: context.kind, grid: result.grid }
    const metrics = tableOf(
      new ArrowSchema(metricsFields.map(float), seedMetadata({ kind: "probe-metrics", ...meta })),
      1,
      [float64Column([result.top1]), float64Column([result.top5]), float64Column([result.l2]), float64Column([result.valTop1])]
    )
    const perClass = tableOf(
      new ArrowSchema(
        [new Field("label", new Uint8(), false), new Field("name", new Utf8(), false), float("accuracy"), new Field("count", new Int32(), false)],
        seedMetadata({ kind: "probe-per-class", method: context.method })
      ),
      result.perClass.length,
      [
        uint8Column(result.perClass.map((c) => c.label)),
        utf8Column(result.perClass.map((c) => context.classNames[c.label] ?? String(c.label))),
        float64Column(result.perClass.map((c) => c.accuracy)),
        int32Column(result.perClass.map((c) => c.count))
      ]
    )
    const K = result.perClass.length
    const cells = Array.from(result.confusion.keys()).filter((i) => result.confusion[i] > 0)
    const confusion = tableOf(
      new ArrowSchema(
        [new Field("true_label", new Uint8(), false), new Field("predicted_label", new Uint8(), false), new Field("count", new Int32(), false)],
        seedMetadata({ kind: "probe-confusion", method: context.method, classCount: K })
      ),
      cells.length,
      [uint8Column(cells.map((i) => Math.floor(i / K))), uint8Column(cells.map((i) => i % K)), int32Column(cells.map((i) => result.confusion[i]))]
    )
    return Effect.all([
      writeArrowFile(paths.metrics, metrics),
      writeArrowFile(paths.perClass, perClass),
      writeArrowFile(paths.confusion, confusion)
    ]).pipe(Effect.asVoid)
  })
