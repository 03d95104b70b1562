import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/** X3, #20: an uploaded image (ISO, qcow2, raw) keeps the sha256 of its bytes as received; null for older images. */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("images").addColumn("sha256", "text").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("images").dropColumn("sha256").execute()
}
