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

/** Columns and join to add to a select from `vms`, reading the item in the same statement. */
export const itemJoin = (item: ItemRef) => ({
  columns: sql`, ${selectOf(item.kind)}`,
  join: sql`left join ${sql.raw(readable[item.kind].table)} as item on item.id = ${item.id}`,
})

/** The item out of a row that selected itemJoin's columns (undefined if no such row). */
export const itemOf = (item: ItemRef, row: Record<string, unknown>): Snapshot | Disk | undefined => {
  if (row.itemId === null || row.itemId === undefined) return undefined
  const { codec } = readable[item.kind] as { readonly codec: Codec<Snapshot | Disk> }
  const fields: Record<string, unknown> = {}
  for (const field of codec.fields) fields[field] = row[aliasOf(field)]
  return codec.decode(fields)
}

/** Insert an operation's own row as a data-modifying CTE of the task's insert (both or neither are written). */
export const insertOwn = (db: QueryCreator<DB>, own: OwnRow) => {
  const { table, codec } = writable[own.kind] as { readonly table: "snapshots"; readonly codec: Codec<object> }
  return db.insertInto(table).values(codec.encode(own.row) as never)
}

/** Update an operation's own row as a data-modifying CTE of the task's settlement. */
export const updateOwn = (db: QueryCreator<DB>, own: OwnUpdate) => {
  const { table, codec } = writable[own.kind] as { readonly table: "snapshots"; readonly codec: Codec<object> }
  const { id: _id, createdAt: _createdAt, ...changes } = codec.encode(own.patch) as Record<string, unknown>
  return db
    .updateTable(table)
    .set(changes as never)
    .where("id", "=", own.id)
}
