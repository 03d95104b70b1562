import { createHash } from "node:crypto"
import { sql } from "kysely"
import type pg from "pg"

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

/**
 * Lets a pool's client prepare the marked statements (the pool's "connect" event). A statement whose prepared form
 * no longer fits (another agent's migration changed the columns it returns: SQLSTATE 0A000, "cached plan must not
 * change result type") runs afresh, and unprepared on that connection from then on.
 */
export const preparing = (client: pg.Client): void => {
  const query = client.query.bind(client) as Query
  const stale = new Set<string>()
  const patched: Query = (...args) => {
    const [text, values] = args
    if (args.length !== 2 || typeof text !== "string" || !marked(text) || !Array.isArray(values)) {
      return query(...args)
    }
    const name = nameOf(text)
    if (name === undefined || stale.has(name)) return query(text, values)
    return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
      if ((error as { readonly code?: unknown }).code !== "0A000") throw error
      stale.add(name)
      return query(text, values)
    })
  }
  Object.assign(client, { query: patched })
}
