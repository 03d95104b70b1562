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
  text.startsWith(preparedMark) ||
  text.endsWith(tailText) ||
  text.startsWith(preparedWhileRoomMark) ||
  text.startsWith(replannedWhileRoomMark)

/**
 * A statement whose text begins with this mark is prepared as those above while fewer than `roomForTexts` texts so
 * marked are (in this process), and runs unprepared past them: the VM list's searches (vm-sheet.ts), one text per shape
 * of question. A prepared search holds ~0.7 MiB of its connection's server process (its plan and query trees, PG 15)
 * until the connection ends.
 *
 * Once prepared on a connection, such a statement runs its generic plan, the one plan for every value (plannedRun):
 * the searches' statements choose at run time between walking the sort index and sorting the matches, so that plan
 * serves every search, where PostgreSQL's own choice (plan_cache_mode auto) depended on the values its first five runs
 * had and, for a search of a whole address, kept planning each run for its values: 2–3 ms of the server's CPU each
 * time (its trigram and range estimates), for a plan that ran no faster than the generic one (#23: 3.2–4.1 → 0.6 ms of
 * server CPU a run at 10,000 VMs).
 */
export const preparedWhileRoomMark = "/* prepared while room */ "
/**
 * The same for a statement whose best plan depends on its values (the list's unsearched questions, vm-sheet.ts): once
 * prepared on a connection, each run is planned for its values (plannedRun with plan_cache_mode force_custom_plan):
 * the plans are those the unprepared statement got, and the server is spared the parse and analysis of the text. The
 * list's first page at 10,000 VMs: 4.1–5.1 → 3.4–3.7 ms of server CPU a
 * run (unprepared against prepared, 400 runs each, 3 rounds, busy host); left to plan_cache_mode auto it settled on a
 * generic plan costing 9.7–10.5 ms (#23). Where a run's values cannot be written as literals, or EXECUTE is not
 * available (a pooler), it runs unprepared as before.
 */
export const replannedWhileRoomMark = "/* prepared while room, planned each run */ "
/** List statements prepared at most (both marks above): ~17 MiB a connection (the portal asks a handful of shapes). */
export const roomForTexts = 24

const names = new Map<string, string>()
let roomTaken = 0
/** Marked statements are fixed texts (their values are parameters): each name is made once. */
const nameOf = (text: string) => {
  let name = names.get(text)
  if (name === undefined) {
    const room = text.startsWith(preparedWhileRoomMark) || text.startsWith(replannedWhileRoomMark)
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
      : (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean"
        ? `'${value}'`
        : undefined

type PlanMode = "force_generic_plan" | "force_custom_plan"

/**
 * A prepared statement's run with its generic plan or one planned for its values, as one simple-protocol query (one
 * round trip): plan_cache_mode is forced for the EXECUTE alone, then back to the session's own. Outside a
 * transaction the three run as one implicit transaction, inside one a failure aborts it: either way a run that fails
 * leaves the session's setting as it was (the SET is rolled back with the rest). The values go as quoted literals (of
 * unknown type, as the protocol's text parameters are), each cast to its parameter's type as a bound value is.
 * Undefined when a value cannot be written so.
 */
const plannedRun = (name: string, values: ReadonlyArray<unknown>, mode: PlanMode): string | undefined => {
  const literals = values.map(literalOf)
  if (literals.some((literal) => literal === undefined)) return undefined
  return `set plan_cache_mode = ${mode}; execute ${name}(${literals.join(", ")}); reset plan_cache_mode`
}

/** How a statement prepared while there is room runs once prepared; undefined for the others. */
const planModeOf = (text: string): PlanMode | undefined =>
  text.startsWith(preparedWhileRoomMark)
    ? "force_generic_plan"
    : text.startsWith(replannedWhileRoomMark)
      ? "force_custom_plan"
      : undefined

/**
 * Lets a pool's client prepare the marked statements (the pool's "connect" event). A statement whose prepared form
 * no longer fits (another agent's migration changed the columns it returns: SQLSTATE 0A000, "cached plan must not
 * change result type") runs afresh, and unprepared on that connection from then on.
 */
export const preparing = (client: pg.Client): void => {
  const query = client.query.bind(client) as Query
  const stale = new Set<string>()
  /** The list's statements prepared on this connection (the while-room marks): their later runs are plannedRun's. */
  const roomy = new Set<string>()
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
    const mode = planModeOf(text)
    const planned = executes && mode !== undefined && roomy.has(name) ? plannedRun(name, values, mode) : undefined
    // Left to plan_cache_mode auto, a statement planned for its values may settle on a generic plan after five runs.
    if (planned === undefined && mode === "force_custom_plan" && roomy.has(name)) return query(text, values)
    const run =
      planned === undefined
        ? (query({ name, text, values }) as Promise<unknown>).then((result) => {
            if (mode !== undefined) roomy.add(name)
            return result
          })
        : // The EXECUTE's result, as the one statement's (the SET and RESET have none to give).
          (query(planned) as Promise<ReadonlyArray<unknown>>).then((results) => results[1])
    return run.catch((error: unknown) => {
      const code = (error as { readonly code?: unknown }).code
      if (code === "26000" && planned !== undefined) {
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
