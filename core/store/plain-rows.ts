import type pg from "pg"
import { objectMakerOf } from "./row-shape.ts"

type Query = (...args: Array<unknown>) => unknown
type Results = pg.QueryResult<Array<unknown>> | ReadonlyArray<pg.QueryResult<Array<unknown>>>

/**
 * The query's arguments as one config that asks for rows as arrays; undefined for a call to leave as it is (a
 * callback, a Query or Cursor object, a row mode of its own).
 */
const asArrays = (args: ReadonlyArray<unknown>): pg.QueryArrayConfig | undefined => {
  const [first, values] = args
  if (typeof first === "string") {
    if (args.length === 1) return { text: first, rowMode: "array" }
    return args.length === 2 && Array.isArray(values) ? { text: first, values, rowMode: "array" } : undefined
  }
  if (args.length !== 1 || typeof first !== "object" || first === null) return undefined
  const config = first as Record<string, unknown>
  if (typeof config.submit === "function" || "rowMode" in config || "callback" in config) return undefined
  return { ...(first as pg.QueryConfig), rowMode: "array" }
}

const toObjects = (result: pg.QueryResult<Array<unknown>>) => {
  const rows = result.rows as ReadonlyArray<ReadonlyArray<unknown>>
  if (rows.length === 0) return result
  const make = objectMakerOf(result.fields.map((field) => field.name))
  return Object.assign(result, { rows: rows.map(make) })
}

/**
 * Rows as plain objects of one shape: a pool client's queries read their rows as arrays, each then made into an
 * object by one literal compiled per list of columns (row-shape.ts), instead of the driver's copy of a template
 * filled key by key (pg 8.23). At 10,000 VMs the agent's young collections per 2,000 list requests fell from 490–494
 * to 436–442 (#23, bench/api-list/run.ts's header: 5 runs without, 7 with, interleaved); the page's statement read
 * alone in a loop showed no difference. Values, keys and their order are the driver's; results of several statements
 * each get theirs.
 */
export const plainRows = (client: pg.Client): void => {
  const query = client.query.bind(client) as Query
  const patched: Query = (...args) => {
    const config = asArrays(args)
    if (config === undefined) return query(...args)
    return (query(config) as Promise<Results>).then((results) =>
      Array.isArray(results) ? results.map(toObjects) : toObjects(results as pg.QueryResult<Array<unknown>>),
    )
  }
  Object.assign(client, { query: patched })
}
