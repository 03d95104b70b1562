import type { Kysely } from "kysely"
import { AlarmRule, KeyPair } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import type { DB } from "./schema.ts"

export interface ExtrasRepositories {
  readonly keyPairs: Repository<KeyPair>
  readonly alarmRules: Repository<AlarmRule>
}

export const makeExtrasRepositories = (db: Kysely<DB>): ExtrasRepositories => ({
  keyPairs: makeRepository(db, { table: "keyPairs", resource: "key-pair", codec: codecOf(KeyPair) }),
  alarmRules: makeRepository(db, {
    table: "alarmRules",
    resource: "alarm-rule",
    codec: codecOf(AlarmRule, { json: ["recipientUserIds"] }),
  }),
})
