import type { Kysely } from "kysely"
import { Network, Nic, Subnet } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import type { DB } from "./schema.ts"

export const nicCodec = codecOf(Nic, { json: ["secondaryIps"] })

export interface NetworkRepositories {
  readonly networks: Repository<Network>
  readonly subnets: Repository<Subnet>
  readonly nics: Repository<Nic>
}

export const makeNetworkRepositories = (db: Kysely<DB>): NetworkRepositories => ({
  networks: makeRepository(db, {
    table: "networks",
    resource: "network",
    codec: codecOf(Network, { json: ["backing"] }),
  }),
  subnets: makeRepository(db, {
    table: "subnets",
    resource: "subnet",
    codec: codecOf(Subnet, { json: ["dns", "reserved"] }),
  }),
  nics: makeRepository(db, { table: "nics", resource: "nic", codec: nicCodec }),
})
