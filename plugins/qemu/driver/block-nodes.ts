import { Effect, Schema } from "effect"
import { runDecoded } from "../qmp/commands/run.ts"
import type { QmpError } from "../qmp/errors.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"

const DirtyBitmap = Schema.Struct({
  name: Schema.String,
  busy: Schema.Boolean,
  persistent: Schema.Boolean,
  /** Set when the image was not closed cleanly while the bitmap was in use: it no longer tracks every change. */
  inconsistent: Schema.optionalKey(Schema.Boolean),
})
export type DirtyBitmap = typeof DirtyBitmap.Type

const NamedNode = Schema.Struct({
  nodeName: Schema.String,
  image: Schema.Struct({ virtualSize: Schema.Number }).pipe(Schema.encodeKeys({ virtualSize: "virtual-size" })),
  dirtyBitmaps: Schema.optionalKey(Schema.Array(DirtyBitmap)),
}).pipe(Schema.encodeKeys({ nodeName: "node-name", dirtyBitmaps: "dirty-bitmaps" }))

/** What a backup needs to know of a format node: its size and the dirty bitmaps on it. */
export interface NodeFacts {
  readonly virtualSize: number
  readonly bitmaps: ReadonlyArray<DirtyBitmap>
}

/** The facts of one node from query-named-block-nodes (flat: the node itself, not its backing chain's copies). */
export const nodeFacts = (monitor: QmpMonitor, node: string): Effect.Effect<NodeFacts | undefined, QmpError> =>
  runDecoded(monitor, "query-named-block-nodes", { flat: true }, Schema.Array(NamedNode)).pipe(
    Effect.map((nodes) => {
      const found = nodes.find((candidate) => candidate.nodeName === node)
      return found && { virtualSize: found.image.virtualSize, bitmaps: found.dirtyBitmaps ?? [] }
    }),
  )
