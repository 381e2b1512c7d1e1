/**
 * The probe artifacts: `metrics` (one row: top1, top5, l2, val_top1), `per_class`
 * (label, name, accuracy, count) and `confusion` (true_label, predicted_label, count; non-zero cells).
 */
import { Field, Float64, Int32, Schema as ArrowSchema, Uint8, Utf8 } from "apache-arrow"
import * as Effect from "effect/Effect"
import type { ProbeResult } from "../linear-probe.ts"
import {
  confusionFields,
  ConfusionMetadata,
  perClassFields,
  PerClassMetadata,
  probeMetricsFields,
  ProbeMetricsMetadata
} from "../../schemas/artifacts.ts"
import { ArtifactIoError, numberColumn, readArrowFile, seedMetadata, singleRow, tableOf, writeArrowFile } from "./arrow-file.ts"
import { float64Column, int32Column, uint8Column, utf8Column } from "./columns.ts"

/** The headline numbers of one linear probe. */
export interface ProbeMetrics {
  readonly top1: number
  readonly top5: number
  readonly l2: number
  readonly valTop1: number
}

/** A row of `per_class`: test accuracy of one class. */
export interface ClassAccuracy {
  readonly label: number
  readonly name: string
  readonly accuracy: number
  readonly count: number
}

/** A non-zero cell of `confusion`. */
export interface ConfusionCell {
  readonly trueLabel: number
  readonly predictedLabel: number
  readonly count: number
}

const metricsArtifact = { kind: "probe-metrics" as const, fields: probeMetricsFields, metadata: ProbeMetricsMetadata }
const perClassArtifact = { kind: "probe-per-class" as const, fields: perClassFields, metadata: PerClassMetadata }
const confusionArtifact = { kind: "probe-confusion" as const, fields: confusionFields, metadata: ConfusionMetadata }

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
      new ArrowSchema(probeMetricsFields.map(float), seedMetadata({ kind: "probe-metrics", ...meta } satisfies typeof ProbeMetricsMetadata.Encoded)),
      1,
      [float64Column([result.top1]), float64Column([result.top5]), float64Column([result.l2]), float64Column([result.valTop1])]
    )
    const perClass = tableOf(
      new ArrowSchema(
        [new Field("label", new Uint8(), false), new Field("name", new Utf8(), false), float("accuracy"), new Field("count", new Int32(), false)],
        seedMetadata({ kind: "probe-per-class", method: context.method } satisfies typeof PerClassMetadata.Encoded)
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
        seedMetadata({ kind: "probe-confusion", method: context.method, classCount: K } satisfies typeof ConfusionMetadata.Encoded)
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

/** `metrics`: the one row back. */
export const readProbeMetrics = (path: string): Effect.Effect<ProbeMetrics, ArtifactIoError> =>
  Effect.flatMap(readArrowFile(path, metricsArtifact), ({ table }) => singleRow(path, table, probeMetricsFields)).pipe(
    Effect.map(([top1, top5, l2, valTop1]) => ({ top1, top5, l2, valTop1 }))
  )

/** `per_class`: one entry per class. */
export const readPerClass = (path: string): Effect.Effect<ReadonlyArray<ClassAccuracy>, ArtifactIoError> =>
  Effect.map(readArrowFile(path, perClassArtifact), ({ table }) => {
    const [label, accuracy, count] = ["label", "accuracy", "count"].map((name) => numberColumn(table, name))
    const names = table.getChild("name")!
    return label.map((l, i) => ({ label: l, name: String(names.get(i)), accuracy: accuracy[i], count: count[i] }))
  })

/** `confusion`: the sparse (true, predicted, count) cells. */
export const readConfusion = (path: string): Effect.Effect<ReadonlyArray<ConfusionCell>, ArtifactIoError> =>
  Effect.map(readArrowFile(path, confusionArtifact), ({ table }) => {
    const [trueLabel, predictedLabel, count] = confusionFields.map((name) => numberColumn(table, name))
    return trueLabel.map((t, i) => ({ trueLabel: t, predictedLabel: predictedLabel[i], count: count[i] }))
  })
