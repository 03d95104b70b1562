import type { Kysely } from "kysely"
import type { VmSecretRepository } from "./ports.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"
import { likePrefix } from "./vm.repository.ts"

export const makeVmSecretRepository = (db: Kysely<DB>): VmSecretRepository => ({
  notSealedUnder: (keyId) =>
    run("vmSecrets.notSealedUnder", async () => {
      const rows = await db
        .selectFrom("vms")
        .select(["id", "passwordCipher"])
        .where("passwordCipher", "is not", null)
        // a key id is base64url: its "_" must match itself, not any character
        .where("passwordCipher", "not like", likePrefix(`v2.${keyId}.`))
        .orderBy("id")
        .execute()
      return rows.flatMap(({ id, passwordCipher }) =>
        passwordCipher === null ? [] : [{ vmId: id, sealed: passwordCipher }],
      )
    }),
  // Compare-and-set on the value itself: two agents re-sealing at once, or a reset meanwhile, never lose a password.
  replace: (vmId, from, to) =>
    run("vmSecrets.replace", async () => {
      const written = await db
        .updateTable("vms")
        .set({ passwordCipher: to })
        .where("id", "=", vmId)
        .where("passwordCipher", "=", from)
        .executeTakeFirst()
      return written.numUpdatedRows > 0n
    }),
})
