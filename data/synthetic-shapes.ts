/**
 * The ten synthetic classes as polylines in a canonical [-1, 1] square (y down). Several pairs
 * are deliberately close (plus vs X under rotation, square vs ring at low resolution, L vs T vs
 * bar) so that, with random pose, jitter, distractors and noise, the task is learnable but not trivial.
 */

export type Polyline = ReadonlyArray<readonly [number, number]>

const ring = (radius: number, points: number): Polyline =>
  Array.from({ length: points + 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / points
    return [radius * Math.cos(a), radius * Math.sin(a)] as const
  })

export const syntheticClassNames = ["ring", "bar", "equals", "plus", "cross", "triangle", "square", "ell", "tee", "zigzag"]

export const syntheticShapes: ReadonlyArray<ReadonlyArray<Polyline>> = [
  [ring(0.75, 24)],
  [[[0, -0.9], [0, 0.9]]],
  [[[-0.8, -0.4], [0.8, -0.4]], [[-0.8, 0.4], [0.8, 0.4]]],
  [[[-0.85, 0], [0.85, 0]], [[0, -0.85], [0, 0.85]]],
  [[[-0.7, -0.7], [0.7, 0.7]], [[-0.7, 0.7], [0.7, -0.7]]],
  [[[0, -0.8], [0.8, 0.7], [-0.8, 0.7], [0, -0.8]]],
  [[[-0.7, -0.7], [0.7, -0.7], [0.7, 0.7], [-0.7, 0.7], [-0.7, -0.7]]],
  [[[-0.5, -0.85], [-0.5, 0.75], [0.6, 0.75]]],
  [[[-0.8, -0.75], [0.8, -0.75]], [[0, -0.75], [0, 0.85]]],
  [[[-0.8, -0.7], [0.8, -0.7], [-0.8, 0.7], [0.8, 0.7]]]
]
