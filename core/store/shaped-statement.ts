import { type Compilable, type CompiledQuery, createQueryId, RawNode } from "kysely"

/** A value of a statement built once per shape: its place in the values each run gives (shapedStatements). */
class Slot {
  constructor(readonly at: number) {}
}

/** The run's value at `at`, as a parameter of the statement being built (typed as anything, for Kysely). */
export type SlotOf = (at: number) => never
const slotOf: SlotOf = (at) => new Slot(at) as never

/**
 * A record whose values are slots, `offset` onwards in its keys' order: the columns of an insert or an update whose
 * run gives `Object.values(record)` at those places.
 */
export const slotted = (record: Readonly<Record<string, unknown>>, slot: SlotOf, offset = 0): Record<string, never> => {
  const slots: Record<string, never> = {}
  let at = offset
  for (const key in record) slots[key] = slot(at++)
  return slots
}

/**
 * A run's value as the parameter pg sends: a date as UTC ISO text, as the server reads it into a timestamptz column
 * (every one of ours). pg writes a date in local time with its offset (getTimezoneOffset and ten paddings): 2% of an
 * operation's CPU in a profile (#12, bench/core-overhead --gap 200), for the same instant.
 */
const parameterOf = (value: unknown): unknown =>
  value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value

interface Statement {
  readonly sql: string
  readonly parameters: ReadonlyArray<unknown>
  /** The raw node a compiled query carries, made once (CompiledQuery.raw would make it and freeze it every run). */
  readonly query: RawNode
}

/** Shapes kept per repository: a handful in practice (which own row, which columns); more evict the oldest. */
const keptShapes = 100

/**
 * Statements compiled once per shape, then only given their values: each repository that runs a statement on every
 * operation keeps its own. Building and compiling a Kysely tree (the camelCase plugin's pass, the compiler's) cost
 * ~50–60 µs a statement warm and ~200 µs after the agent idled a few hundred milliseconds (#12: a task's insert with
 * its snapshot row, its settlement with the lock freed), every time for the same text. `shape` must name everything
 * the text depends on (which columns, which own row), and `build` read each run's values only through slots.
 */
export const shapedStatements = () => {
  const statements = new Map<string, Statement>()
  return (
    shape: string,
    values: ReadonlyArray<unknown>,
    build: (slot: SlotOf) => Compilable | CompiledQuery,
  ): CompiledQuery => {
    let statement = statements.get(shape)
    if (statement === undefined) {
      const built = build(slotOf)
      const { sql, parameters } = "compile" in built ? built.compile() : built
      statement = { sql, parameters, query: RawNode.createWithSql(sql) }
      if (statements.size >= keptShapes) statements.delete(statements.keys().next().value as string)
      statements.set(shape, statement)
    }
    return {
      sql: statement.sql,
      query: statement.query,
      parameters: statement.parameters.map((value) => (value instanceof Slot ? parameterOf(values[value.at]) : value)),
      queryId: createQueryId(),
    }
  }
}
