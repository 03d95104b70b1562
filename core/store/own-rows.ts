import type { QueryCreator, RawBuilder } from "kysely"
import { sql } from "kysely"
import { Backup, type Disk, Snapshot } from "../model/index.ts"
import { type Codec, codecOf } from "./codec.ts"
import { diskCodec } from "./disk.repository.ts"
import type { ItemRef, OwnRow, OwnUpdate } from "./ports.ts"
import type { DB } from "./schema.ts"

/**
 * The rows an operation acts on or writes beside its task, in the statement of the lock's claim (read) or of the
 * task (written): one round trip fewer each. One codec per table, made once.
 */
export const snapshotCodec = codecOf(Snapshot, { int8: ["sizeBytes"] })
export const backupCodec = codecOf(Backup, { int8: ["sizeBytes"] })

const readable = { snapshot: { table: "snapshots", codec: snapshotCodec }, disk: { table: "disks", codec: diskCodec } }
const writable = {
  snapshot: { table: "snapshots", codec: snapshotCodec },
  backup: { table: "backups", codec: backupCodec },
}

/** A model field's column: camelCase to snake_case, MiB and GiB as one word (as HyperxCamelCasePlugin names them). */
const columnOf = (field: string) =>
  field.replace(/[MG]iB/g, (unit) => `_${unit.toLowerCase()}`).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** The alias of an item's field in the claim's row: "item" and the field, camelCase (the plugin keeps it). */
const aliasOf = (field: string) => `item${field.charAt(0).toUpperCase()}${field.slice(1)}`

/** Per table, the select list of its fields under their aliases, and the join that reads the item by id. */
const itemSelects = new Map<string, RawBuilder<unknown>>()
const selectOf = (kind: ItemRef["kind"]) => {
  let select = itemSelects.get(kind)
  if (select === undefined) {
    const { codec } = readable[kind] as { readonly codec: Codec<object> }
    select = sql.raw(codec.fields.map((field) => `item.${columnOf(field)} as "${aliasOf(field)}"`).join(", "))
    itemSelects.set(kind, select)
  }
  return select
}

/** Columns and join to add to a select from `vms`, reading the item (by `id`, a value or a slot) in the same statement. */
export const itemJoin = (kind: ItemRef["kind"], id: unknown) => ({
  columns: sql`, ${selectOf(kind)}`,
  join: sql`left join ${sql.raw(readable[kind].table)} as item on item.id = ${id}`,
})

/** The item out of a row that selected itemJoin's columns (undefined if no such row). */
export const itemOf = (item: ItemRef, row: Record<string, unknown>): Snapshot | Disk | undefined => {
  if (row.itemId === null || row.itemId === undefined) return undefined
  const { codec } = readable[item.kind] as { readonly codec: Codec<Snapshot | Disk> }
  const fields: Record<string, unknown> = {}
  for (const field of codec.fields) fields[field] = row[aliasOf(field)]
  return codec.decode(fields)
}

/** An operation's own row's columns (encoded), to insert as a data-modifying CTE of the task's insert. */
export const ownRowColumns = (own: OwnRow): Record<string, unknown> =>
  (writable[own.kind].codec as Codec<object>).encode(own.row)

/** Insert an operation's own row (its columns as ownRowColumns gave them, or their slots) with the task's insert. */
export const insertOwn = (db: QueryCreator<DB>, kind: OwnRow["kind"], columns: Record<string, unknown>) =>
  db.insertInto(writable[kind].table as "snapshots").values(columns as never)

/** The columns an own row's change writes (encoded; never its id or creation time). */
export const ownUpdateColumns = (own: OwnUpdate): Record<string, unknown> => {
  const {
    id: _id,
    createdAt: _createdAt,
    ...changes
  } = (writable[own.kind].codec as Codec<object>).encode(own.patch) as Record<string, unknown>
  return changes
}

/** Update an operation's own row (its columns as ownUpdateColumns gave them, or their slots) with the settlement. */
export const updateOwn = (
  db: QueryCreator<DB>,
  kind: OwnUpdate["kind"],
  id: unknown,
  changes: Record<string, unknown>,
) =>
  db
    .updateTable(writable[kind].table as "snapshots")
    .set(changes as never)
    .where("id", "=", id as string)
