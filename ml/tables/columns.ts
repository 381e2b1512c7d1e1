/** Arrow column builders from plain arrays (the small tables: weights, history, probe results). */
import { Field, Float32, Float64, Int32, List, Uint8, Utf8, makeData } from "apache-arrow"

export const int32Column = (values: ArrayLike<number>) =>
  makeData({ type: new Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) })

export const uint8Column = (values: ArrayLike<number>) =>
  makeData({ type: new Uint8(), length: values.length, nullCount: 0, data: Uint8Array.from(values) })

export const float64Column = (values: ArrayLike<number>) =>
  makeData({ type: new Float64(), length: values.length, nullCount: 0, data: Float64Array.from(values) })

export const utf8Column = (values: ReadonlyArray<string>) => {
  const encoded = values.map((v) => new TextEncoder().encode(v))
  const offsets = new Int32Array(values.length + 1)
  encoded.forEach((bytes, i) => (offsets[i + 1] = offsets[i] + bytes.length))
  const data = new Uint8Array(offsets[values.length])
  encoded.forEach((bytes, i) => data.set(bytes, offsets[i]))
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data })
}

/** A List<Int32 | Float32> column from one typed array per row. */
export const listColumn = (rows: ReadonlyArray<Int32Array | Float32Array>, item: "int32" | "float32") => {
  const offsets = new Int32Array(rows.length + 1)
  rows.forEach((row, i) => (offsets[i + 1] = offsets[i] + row.length))
  const flat = item === "int32" ? new Int32Array(offsets[rows.length]) : new Float32Array(offsets[rows.length])
  rows.forEach((row, i) => flat.set(row, offsets[i]))
  const child = flat instanceof Int32Array
    ? makeData({ type: new Int32(), length: flat.length, nullCount: 0, data: flat })
    : makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat })
  const type = new List(new Field("item", child.type, false))
  return makeData({ type, length: rows.length, nullCount: 0, valueOffsets: offsets, child } as never)
}

export const listField = (name: string, item: "int32" | "float32") =>
  new Field(name, new List(new Field("item", item === "int32" ? new Int32() : new Float32(), false)), false)
