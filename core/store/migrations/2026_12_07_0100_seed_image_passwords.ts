import { type Kysely, sql } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * R6 R11: the tiny guest the agent seeds (image id "tiny-linux", agent/start/seed.ts) runs a guest agent that sets
 * passwords, but was seeded `password_managed = false`, so "show password" was refused on every VM made from it.
 * Seeds made from now on say true; this turns the flag on for seeds made before, once. No API set the flag until
 * then, so no operator's choice is overwritten.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await sql`UPDATE images SET password_managed = true WHERE id = 'tiny-linux' AND boot->>'kind' = 'kernel'`.execute(db)
}

export const down = async (): Promise<void> => {}
