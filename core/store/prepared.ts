import { createHash } from "node:crypto"
import { sql } from "kysely"
import pg from "pg"

/**
 * A statement whose text begins with this mark is prepared once per connection, under a name made from its text:
 * the server parses and plans it once, not at every call. Marked: the statement every VM operation runs first (the
 * lock's claim, which reads the VM and its counts with it), whose parse and plan cost the server more than running
 * it (~0.5 ms of ~0.6 on a quiet host, several times that on a busy one). PostgreSQL plans the first five runs of a
 * prepared statement for their values, then keeps one plan for any values when that plan costs no more than theirs
 * did (plan_cache_mode auto).
 *
 * Behind a connection pooler in transaction mode, prepared statements need one that keeps them per server
 * connection (PgBouncer 1.21 or later, `max_prepared_statements`).
 */
export const preparedMark = "/* prepared */ "
const tailText = " /* prepared */"
/**
 * The same mark at the end of a statement Kysely builds (`.modifyEnd(preparedTail)`): marked too, the statements that
 * record a task and its outcome (with the operation's own row, and the lock freed), which every operation runs.
 */
export const preparedTail = sql.raw(tailText)
const marked = (text: string) =>
  text.startsWith(preparedMark) || text.endsWith(tailText) || text.startsWith(preparedWhileRoomMark)

/**
 * A statement whose text begins with this mark is prepared as those above while fewer than `roomForTexts` texts so
 * marked are (in this process), and runs unprepared past them: the VM list's searches (vm-sheet.ts), one text per shape
 * of question. A prepared search holds ~0.7 MiB of its connection's server process (its plan and query trees, PG 15)
 * until the connection ends.
 *
 * Once prepared on a connection, such a statement runs its generic plan, the one plan for every value (genericRun):
 * the searches' statements choose at run time between walking the sort index and sorting the matches, so that plan
 * serves every search, where PostgreSQL's own choice (plan_cache_mode auto) depended on the values its first five runs
 * had and, for a search of a whole address, kept planning each run for its values: 2–3 ms of the server's CPU each
 * time (its trigram and range estimates), for a plan that ran no faster than the generic one (#23: 3.2–4.1 → 0.6 ms of
 * server CPU a run at 10,000 VMs).
 */
export const preparedWhileRoomMark = "/* prepared while room */ "
/** Searches of the list prepared at most: ~17 MiB a connection (the portal's list asks a handful of shapes). */
export const roomForTexts = 24

const names = new Map<string, string>()
let roomTaken = 0
/** Marked statements are fixed texts (their values are parameters): each name is made once. */
const nameOf = (text: string) => {
  let name = names.get(text)
  if (name === undefined) {
    const room = text.startsWith(preparedWhileRoomMark)
    if (room && roomTaken >= roomForTexts) return undefined
    if (room) roomTaken++
    name = `hx_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`
    names.set(text, name)
  }
  return name
}

type Query = (...args: Array<unknown>) => unknown

/** A value as an SQL literal, or undefined for one that is not a string, number or null (sent as a parameter then). */
const literalOf = (value: unknown): string | undefined =>
  value === null || value === undefined
    ? "null"
    : typeof value === "string"
      ? pg.escapeLiteral(value)
      : typeof value === "number" && Number.isFinite(value)
        ? `'${value}'`
        : undefined

/**
 * A prepared statement's run with its generic plan, as one simple-protocol query (one round trip): plan_cache_mode is
 * forced for the EXECUTE alone, then back to the session's own. Outside a transaction the three run as one implicit
 * transaction, inside one a failure aborts it: either way a run that fails leaves the session's setting as it was
 * (the SET is rolled back with the rest). The values go as quoted literals (of unknown type, as the protocol's text
 * parameters are), each cast to its parameter's type as a bound value is. Undefined when a value cannot be written so.
 */
const genericRun = (name: string, values: ReadonlyArray<unknown>): string | undefined => {
  const literals = values.map(literalOf)
  if (literals.some((literal) => literal === undefined)) return undefined
  return `set plan_cache_mode = force_generic_plan; execute ${name}(${literals.join(", ")}); reset plan_cache_mode`
}

/**
 * Lets a pool's client prepare the marked statements (the pool's "connect" event). A statement whose prepared form
 * no longer fits (another agent's migration changed the columns it returns: SQLSTATE 0A000, "cached plan must not
 * change result type") runs afresh, and unprepared on that connection from then on.
 */
export const preparing = (client: pg.Client): void => {
  const query = client.query.bind(client) as Query
  const stale = new Set<string>()
  /** The searches prepared on this connection (preparedWhileRoomMark): their later runs are genericRun's. */
  const searches = new Set<string>()
  /**
   * Whether EXECUTE finds the driver's prepared statements on this connection: not behind a pooler that renames them
   * on its server connections (PgBouncer's max_prepared_statements), where an EXECUTE answers SQLSTATE 26000.
   */
  let executes = true
  const patched: Query = (...args) => {
    const [text, values] = args
    if (args.length !== 2 || typeof text !== "string" || !marked(text) || !Array.isArray(values)) {
      return query(...args)
    }
    const name = nameOf(text)
    if (name === undefined || stale.has(name)) return query(text, values)
    const generic = executes && searches.has(name) ? genericRun(name, values) : undefined
    const run =
      generic === undefined
        ? (query({ name, text, values }) as Promise<unknown>).then((result) => {
            if (text.startsWith(preparedWhileRoomMark)) searches.add(name)
            return result
          })
        : // The EXECUTE's result, as the one statement's (the SET and RESET have none to give).
          (query(generic) as Promise<ReadonlyArray<unknown>>).then((results) => results[1])
    return run.catch((error: unknown) => {
      const code = (error as { readonly code?: unknown }).code
      if (code === "26000" && generic !== undefined) {
        executes = false
        return patched(text, values)
      }
      if (code !== "0A000") throw error
      stale.add(name)
      return query(text, values)
    })
  }
  Object.assign(client, { query: patched })
}
