import type { VmRow } from "../api/types.ts"
import type { SelectedVm } from "./batch.ts"

export type Selection = ReadonlyMap<string, SelectedVm>

const selected = (row: VmRow): SelectedVm => ({ id: row.id, name: row.displayName ?? row.id, state: row.state })

/** The selection with these rows added (on) or removed; it spans pages, so the batch dialog can name every VM. */
export const toggled = (selection: Selection, rows: ReadonlyArray<VmRow>, on: boolean): Selection => {
  const next = new Map(selection)
  for (const row of rows) {
    if (on) next.set(row.id, selected(row))
    else next.delete(row.id)
  }
  return next
}

/** Selected VMs on a fresh page take its newer name and state (the same object when none is on the page). */
export const refreshed = (selection: Selection, items: ReadonlyArray<VmRow>): Selection => {
  if (!items.some((row) => selection.has(row.id))) return selection
  const next = new Map(selection)
  for (const row of items) if (next.has(row.id)) next.set(row.id, selected(row))
  return next
}
