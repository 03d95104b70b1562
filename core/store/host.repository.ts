import type { Kysely } from "kysely"
import { AffinityGroup, Host, HostDevice } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import type { DB } from "./schema.ts"

export interface HostRepositories {
  readonly hosts: Repository<Host>
  readonly hostDevices: Repository<HostDevice>
  readonly affinityGroups: Repository<AffinityGroup>
}

export const makeHostRepositories = (db: Kysely<DB>): HostRepositories => ({
  hosts: makeRepository(db, { table: "hosts", resource: "host", codec: codecOf(Host, { json: ["networkIds"] }) }),
  hostDevices: makeRepository(db, { table: "hostDevices", resource: "host-device", codec: codecOf(HostDevice) }),
  affinityGroups: makeRepository(db, {
    table: "affinityGroups",
    resource: "affinity-group",
    codec: codecOf(AffinityGroup),
  }),
})
