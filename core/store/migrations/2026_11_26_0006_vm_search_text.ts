import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * L2 search by name or hostname without lowering two columns of every VM on every search: ILIKE on a UTF-8
 * database lowercases both sides per row, which was the largest part of a search over 10,000 VMs. The lowered text
 * is kept by PostgreSQL itself (a stored generated column), so no write path has to remember it. chr(1) keeps the
 * two apart: the API refuses control characters in a search, so no search spans them.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`alter table vms add column search_text text not null
    generated always as (lower(display_name) || chr(1) || lower(hostname)) stored`.execute(db)
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("vms").dropColumn("search_text").execute()
}
