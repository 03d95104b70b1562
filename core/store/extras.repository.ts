import { Effect } from "effect"
import type { Kysely } from "kysely"
import { AlarmRule, KeyPair } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { Repository, VmKeyPairRepository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

export interface ExtrasRepositories {
  readonly keyPairs: Repository<KeyPair>
  readonly vmKeyPairs: VmKeyPairRepository
  readonly alarmRules: Repository<AlarmRule>
}

const keyPairCodec = codecOf(KeyPair)

/** X5: a VM's key pairs, in the order chosen; set replaces them all in one transaction. */
const makeVmKeyPairs = (db: Kysely<DB>): VmKeyPairRepository => ({
  list: (vmId) =>
    run("vm-key-pairs.list", () =>
      db
        .selectFrom("vmKeyPairs")
        .innerJoin("keyPairs", "keyPairs.id", "vmKeyPairs.keyPairId")
        .selectAll("keyPairs")
        .where("vmKeyPairs.vmId", "=", vmId)
        .orderBy("vmKeyPairs.position")
        .execute(),
    ).pipe(Effect.map((rows) => rows.map((row) => keyPairCodec.decode(row)))),
  set: (vmId, keyPairIds) =>
    run("vm-key-pairs.set", () =>
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom("vmKeyPairs").where("vmId", "=", vmId).execute()
        if (keyPairIds.length === 0) return
        const rows = keyPairIds.map((keyPairId, position) => ({ vmId, keyPairId, position }))
        await trx.insertInto("vmKeyPairs").values(rows).execute()
      }),
    ),
})

export const makeExtrasRepositories = (db: Kysely<DB>): ExtrasRepositories => ({
  keyPairs: makeRepository(db, { table: "keyPairs", resource: "key-pair", codec: keyPairCodec }),
  vmKeyPairs: makeVmKeyPairs(db),
  alarmRules: makeRepository(db, {
    table: "alarmRules",
    resource: "alarm-rule",
    codec: codecOf(AlarmRule, { json: ["recipientUserIds"] }),
  }),
})
