import type { Kysely } from "kysely"
import { Flavor, Image } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import type { DB } from "./schema.ts"

export interface CatalogRepositories {
  readonly flavors: Repository<Flavor>
  readonly images: Repository<Image>
}

export const makeCatalogRepositories = (db: Kysely<DB>): CatalogRepositories => ({
  flavors: makeRepository(db, { table: "flavors", resource: "flavor", codec: codecOf(Flavor) }),
  images: makeRepository(db, {
    table: "images",
    resource: "image",
    codec: codecOf(Image, { json: ["boot"], int8: ["sizeBytes"] }),
  }),
})
