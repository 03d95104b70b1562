import { Effect } from "effect"
import type { Kysely } from "kysely"
import { ApiToken, Company, Department, Price, User } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { ApiTokenRepository, Repository, TokenHolder } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

const apiTokenCodec = codecOf(ApiToken)

const makeApiTokens = (db: Kysely<DB>): ApiTokenRepository => ({
  ...makeRepository<ApiToken>(db, { table: "apiTokens", resource: "api-token", codec: apiTokenCodec }),
  findBySecretHash: Effect.fn("api-token.findBySecretHash")(function* (secretHash: string) {
    const row = yield* run("api-token.findBySecretHash", () =>
      db.selectFrom("apiTokens").selectAll().where("secretHash", "=", secretHash).executeTakeFirst(),
    )
    return row === undefined ? undefined : apiTokenCodec.decode(row)
  }),
  findHolder: Effect.fn("api-token.findHolder")(function* (secretHash: string) {
    const row = yield* run("api-token.findHolder", () =>
      db
        .selectFrom("apiTokens")
        .innerJoin("users", "users.id", "apiTokens.userId")
        .select([
          "apiTokens.id as tokenId",
          "users.id as userId",
          "users.role",
          "users.companyId",
          "users.departmentId",
          "apiTokens.expiresAt",
          "apiTokens.lastUsedAt",
        ])
        .where("apiTokens.secretHash", "=", secretHash)
        .executeTakeFirst(),
    )
    return row satisfies TokenHolder | undefined
  }),
  markUsed: Effect.fn("api-token.markUsed")(function* (tokenId: string, at: Date) {
    yield* run("api-token.markUsed", () =>
      db
        .updateTable("apiTokens")
        .set({ lastUsedAt: at })
        .where("id", "=", tokenId)
        .where((eb) => eb.or([eb("lastUsedAt", "is", null), eb("lastUsedAt", "<", at)]))
        .execute(),
    )
  }),
})

export interface OrgRepositories {
  readonly companies: Repository<Company>
  readonly departments: Repository<Department>
  readonly users: Repository<User>
  readonly apiTokens: ApiTokenRepository
  readonly prices: Repository<Price>
}

export const makeOrgRepositories = (db: Kysely<DB>): OrgRepositories => ({
  companies: makeRepository(db, { table: "companies", resource: "company", codec: codecOf(Company) }),
  departments: makeRepository(db, { table: "departments", resource: "department", codec: codecOf(Department) }),
  users: makeRepository(db, { table: "users", resource: "user", codec: codecOf(User) }),
  apiTokens: makeApiTokens(db),
  prices: makeRepository(db, { table: "prices", resource: "price", codec: codecOf(Price) }),
})
