import { type Compilable, CompiledQuery, type Kysely } from "kysely"
import type { DB } from "./schema.ts"
import type { VmQuery } from "./vm-query.ts"

/**
 * A value of a list statement, read from the question each time the statement runs. The list's statements are built
 * from a question's shape (which filters, how many values each, the sort, the search's kind, the columns) with these in
 * place of its values, so one statement serves every question of that shape (cachedStatement).
 */
class Slot {
  constructor(readonly of: (q: VmQuery) => unknown) {}
}

/** The value `of` reads from the question, as a parameter of the statement (typed as the value for Kysely). */
export const parameter = <T>(of: (q: VmQuery) => T): T => new Slot(of) as unknown as T

/** One parameter per value of `values` (this question's: their count is part of the shape), each read by `of`. */
export const parameterList = <T>(
  values: ReadonlyArray<T>,
  of: (q: VmQuery) => ReadonlyArray<T> | undefined,
): ReadonlyArray<T> => values.map((_, at) => parameter((q) => of(q)?.[at] as T))

/** A part of the question's scope, as a parameter. */
export const scopeValue = (key: keyof VmQuery["scope"]): string => parameter((q) => q.scope[key] as string)

type ListFilter = "states" | "flavorIds" | "ownerIds" | "hostIds" | "imageIds"
/** A header filter's values (`q`'s: their count is part of the shape), as parameters. */
export const filterValues = <K extends ListFilter>(q: VmQuery, key: K): NonNullable<VmQuery[K]> =>
  parameterList(q[key] ?? [], (q) => q[key]) as NonNullable<VmQuery[K]>

/** The search as the list reads it: trimmed, "" for none. */
export const searchOf = (q: VmQuery): string => q.search?.trim() ?? ""

/** Text that could be part of an address (IPv4 or IPv6): only then is it looked for among the NICs. */
export const mayBeAddress = (search: string) => /^[0-9a-f.:]+$/i.test(search)

const countOf = (values: ReadonlyArray<unknown> | undefined) => values?.length ?? 0

/**
 * Everything of a question that its statement's text depends on, and nothing else: the statement builders read the
 * question's values only through parameter (vm-statement.test.ts builds questions of one shape with other values and
 * compares).
 */
export const shapeOf = (q: VmQuery, fields: ReadonlyArray<string>): string => {
  const search = searchOf(q)
  return JSON.stringify([
    q.recycled === true,
    q.scope.companyId !== undefined,
    q.scope.departmentId !== undefined,
    q.scope.ownerId !== undefined,
    q.name !== undefined && q.name !== "",
    countOf(q.states),
    countOf(q.flavorIds),
    countOf(q.ownerIds),
    countOf(q.hostIds),
    countOf(q.imageIds),
    Object.keys(q.tags ?? {}).length,
    search === "" ? 0 : mayBeAddress(search) ? 2 : 1,
    q.sort?.by ?? "createdAt",
    q.sort?.direction === "desc",
    q.after === undefined ? 0 : q.after.key === null ? 1 : 2,
    q.limit === undefined,
    q.totals === false,
    fields,
  ])
}

interface Statement {
  readonly sql: string
  readonly parameters: ReadonlyArray<unknown>
}

/**
 * Shapes kept: the list's filters and columns make a few dozen in practice; more (a client choosing ever other
 * columns) evicts the oldest.
 */
const keptShapes = 500

/**
 * `build`'s statement for a question, compiled once per shape (shapeOf) and then only given the question's values.
 * Building the Kysely tree of a search's statement (CTEs, a branch per index) cost ~0.4–1.2 ms of a list request
 * (#23), the whole of it spent on the same text each time. The text starts with `mark` of the question (prepared.ts's
 * mark, or ""), which must follow from its shape.
 */
export const cachedStatement = <F extends string>(
  build: (db: Kysely<DB>, q: VmQuery, fields: ReadonlyArray<F>) => Compilable,
  mark: (q: VmQuery) => string,
): ((db: Kysely<DB>, q: VmQuery, fields: ReadonlyArray<F>) => CompiledQuery) => {
  // Per database handle: the text depends on its dialect and plugins.
  const byDatabase = new WeakMap<Kysely<DB>, Map<string, Statement>>()
  return (db, q, fields) => {
    let statements = byDatabase.get(db)
    if (statements === undefined) {
      statements = new Map()
      byDatabase.set(db, statements)
    }
    const shape = shapeOf(q, fields)
    let statement = statements.get(shape)
    if (statement === undefined) {
      const compiled = build(db, q, fields).compile()
      statement = { sql: `${mark(q)}${compiled.sql}`, parameters: compiled.parameters }
      if (statements.size >= keptShapes) statements.delete(statements.keys().next().value as string)
      statements.set(shape, statement)
    }
    return CompiledQuery.raw(
      statement.sql,
      statement.parameters.map((value) => (value instanceof Slot ? value.of(q) : value)),
    )
  }
}
