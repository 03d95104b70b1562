import type { Kysely } from "kysely"

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * G1: a superadmin retires a flavor or an image: no new VM is made from it (rules flavor-retired, image-retired),
 * the VMs that use it keep it. Null: in use.
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("flavors").addColumn("retired_at", "timestamptz").execute()
  await db.schema.alterTable("images").addColumn("retired_at", "timestamptz").execute()
}

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable("images").dropColumn("retired_at").execute()
  await db.schema.alterTable("flavors").dropColumn("retired_at").execute()
}
