import { Effect } from "effect"
import type { Kysely } from "kysely"
import { NotFound } from "../errors.ts"
import type { Codec } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

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

  const get = Effect.fn(`${resource}.get`)(function* (id: string) {
    const row = yield* run(`${resource}.get`, () =>
      db.selectFrom(table).selectAll().where("id", "=", id).executeTakeFirst(),
    )
    if (row === undefined) return yield* notFound(id)
    return codec.decode(row)
  })

  const list = Effect.fn(`${resource}.list`)(function* (filter?: F) {
    const rows = yield* run(`${resource}.list`, () => {
      let query = db.selectFrom(table).selectAll()
      for (const [column, value] of Object.entries(codec.encodeFilter(filter ?? {}))) {
        query = value === null ? query.where(column, "is", null) : query.where(column, "=", value)
      }
      for (const column of order) query = query.orderBy(column)
      return query.execute()
    })
    return rows.map(codec.decode)
  })

  const insert = Effect.fn(`${resource}.insert`)(function* (row: T) {
    const inserted = yield* run(`${resource}.insert`, () =>
      db.insertInto(table).values(codec.encode(row)).returningAll().executeTakeFirstOrThrow(),
    )
    return codec.decode(inserted)
  })

  const update = Effect.fn(`${resource}.update`)(function* (id: string, patch: Partial<Omit<T, "id" | "createdAt">>) {
    const { id: _id, createdAt: _createdAt, ...changes } = codec.encode(patch as Partial<T>)
    if (Object.keys(changes).length === 0) return yield* get(id)
    const row = yield* run(`${resource}.update`, () =>
      db.updateTable(table).set(changes).where("id", "=", id).returningAll().executeTakeFirst(),
    )
    if (row === undefined) return yield* notFound(id)
    return codec.decode(row)
  })

  const remove = Effect.fn(`${resource}.remove`)(function* (id: string) {
    yield* run(`${resource}.remove`, () => db.deleteFrom(table).where("id", "=", id).execute())
  })

  return { get, list, insert, update, remove }
}
