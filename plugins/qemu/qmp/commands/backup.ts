import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { definedOnly, runVoid } from "./run.ts"

/** One action of a transaction, in QAPI's spelling: `{type: "block-dirty-bitmap-add", data: {...}}`. */
export interface TransactionAction {
  readonly type: string
  readonly data: Readonly<Record<string, unknown>>
}

/** Runs the actions atomically: all of them or none (e.g. a bitmap and the full backup it tracks from). */
export const transaction = (
  monitor: QmpMonitor,
  actions: ReadonlyArray<TransactionAction>,
  callOptions?: CallOptions,
) => runVoid(monitor, "transaction", { actions }, callOptions)

export interface DirtyBitmapOptions {
  readonly node: string
  readonly name: string
  /** Stored in the qcow2 image and kept across restarts. */
  readonly persistent?: boolean
  readonly disabled?: boolean
  readonly granularity?: number
}

const bitmapData = (options: DirtyBitmapOptions) =>
  definedOnly({
    node: options.node,
    name: options.name,
    persistent: options.persistent,
    disabled: options.disabled,
    granularity: options.granularity,
  })

export const dirtyBitmapAddAction = (options: DirtyBitmapOptions): TransactionAction => ({
  type: "block-dirty-bitmap-add",
  data: bitmapData(options),
})

export const blockDirtyBitmapAdd = (monitor: QmpMonitor, options: DirtyBitmapOptions, callOptions?: CallOptions) =>
  runVoid(monitor, "block-dirty-bitmap-add", bitmapData(options), callOptions)

export const blockDirtyBitmapRemove = (
  monitor: QmpMonitor,
  options: { readonly node: string; readonly name: string },
  callOptions?: CallOptions,
) => runVoid(monitor, "block-dirty-bitmap-remove", { node: options.node, name: options.name }, callOptions)
