import { Effect } from "effect"
import type { Kysely } from "kysely"
import { NotFound } from "../errors.ts"
import type { Codec } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"
import { shapedStatements, slotted } from "./shaped-statement.ts"

/**
 * The generic repository addresses its table by name at run time, which Kysely's typed builder cannot follow;
 * it works on this untyped view, and the codec keeps the values honest.
 */
export type UntypedDB = Record<string, Record<string, unknown>>

/** The same connection or transaction, seen without table types (values come from a codec). */
export const untyped = (db: Kysely<DB>): Kysely<UntypedDB> => db as unknown as Kysely<UntypedDB>

export interface TableSpec<T> {
  readonly table: keyof DB & string
  /** The name NotFound reports. */
  readonly resource: string
  readonly codec: Codec<T>
}

/** get / list / insert / update / remove over one table whose primary key is `id`. */
export const makeRepository = <T extends { readonly id: string }, F extends object = Partial<T>>(
  database: Kysely<DB>,
  { table, resource, codec }: TableSpec<T>,
): Repository<T, F> => {
  const db = untyped(database)
  const order = codec.fields.includes("createdAt" as keyof T & string) ? ["createdAt", "id"] : ["id"]
  const notFound = (id: string) => new NotFound({ resource, id })

  // Each statement compiled once per shape (which filter columns, which changed columns): `get` and `update` run on
  // most operations, and a Kysely tree's build and compile cost more than the statement's own values (#12).
  const statements = shapedStatements()
  // Untraced (no span, no call-site stack): each operation makes a few such calls, and a traced Effect.fn cost ~18 µs
  // more a call after the agent idled 100 ms (#12). A failure names its statement (StoreError) all the same.

  const get = Effect.fnUntraced(function* get(id: string) {
    const query = statements("get", [id], (slot) => db.selectFrom(table).selectAll().where("id", "=", slot(0)))
    const row = yield* run(`${resource}.get`, () => database.executeQuery<Record<string, unknown>>(query))
    const found = row.rows[0]
    if (found === undefined) return yield* notFound(id)
    return codec.decode(found)
  })

  const list = Effect.fnUntraced(function* list(filter?: F) {
    const columns = codec.encodeFilter(filter ?? {})
    const values: Array<unknown> = []
    let shape = "list"
    // A list of values is one parameter each, as Kysely makes it: its length is part of the shape.
    for (const column in columns) {
      const value = columns[column]
      shape += value === null ? `|${column} null` : Array.isArray(value) ? `|${column}[${value.length}]` : `|${column}`
      if (Array.isArray(value)) values.push(...value)
      else if (value !== null) values.push(value)
    }
    const query = statements(shape, values, (slot) => {
      let query = db.selectFrom(table).selectAll()
      let at = 0
      for (const column in columns) {
        const value = columns[column]
        query =
          value === null
            ? query.where(column, "is", null)
            : query.where(column, "=", Array.isArray(value) ? value.map(() => slot(at++)) : slot(at++))
      }
      for (const column of order) query = query.orderBy(column)
      return query
    })
    const { rows } = yield* run(`${resource}.list`, () => database.executeQuery<Record<string, unknown>>(query))
    return rows.map(codec.decode)
  })

  const insert = Effect.fn(`${resource}.insert`)(function* (row: T) {
    const inserted = yield* run(`${resource}.insert`, () =>
      db.insertInto(table).values(codec.encode(row)).returningAll().executeTakeFirstOrThrow(),
    )
    return codec.decode(inserted)
  })

  const update = Effect.fnUntraced(function* update(id: string, patch: Partial<Omit<T, "id" | "createdAt">>) {
    const { id: _id, createdAt: _createdAt, ...changes } = codec.encode(patch as Partial<T>)
    const keys = Object.keys(changes)
    if (keys.length === 0) return yield* get(id)
    const query = statements(`update|${keys}`, [...Object.values(changes), id], (slot) =>
      db.updateTable(table).set(slotted(changes, slot)).where("id", "=", slot(keys.length)).returningAll(),
    )
    const { rows } = yield* run(`${resource}.update`, () => database.executeQuery<Record<string, unknown>>(query))
    const row = rows[0]
    if (row === undefined) return yield* notFound(id)
    return codec.decode(row)
  })

  const remove = Effect.fnUntraced(function* remove(id: string) {
    const query = statements("remove", [id], (slot) => db.deleteFrom(table).where("id", "=", slot(0)))
    yield* run(`${resource}.remove`, () => database.executeQuery(query))
  })

  return { get, list, insert, update, remove }
}
