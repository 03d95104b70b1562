import { Effect } from "effect"
import { type Kysely, type MigrationResultSet, Migrator, NO_MIGRATIONS } from "kysely"
import { StoreError } from "../errors.ts"
import { migrations } from "./migrations/index.ts"
import type { DB } from "./schema.ts"
import { toStoreError } from "./store-error.ts"

// Migrations write snake_case SQL themselves, so they run without the camelCase plugin.
const migratorFor = (db: Kysely<DB>) =>
  new Migrator({ db: db.withoutPlugins(), provider: { getMigrations: async () => ({ ...migrations }) } })

const outcome = (operation: string) => (resultSet: MigrationResultSet) => {
  if (resultSet.error !== undefined) return Effect.fail(toStoreError(operation)(resultSet.error))
  const failed = resultSet.results?.find((result) => result.status === "Error")
  if (failed !== undefined) {
    return Effect.fail(
      new StoreError({ operation, message: `migration ${failed.migrationName} failed`, retryable: false }),
    )
  }
  return Effect.succeed((resultSet.results ?? []).map((result) => result.migrationName))
}

/** Apply every pending migration; yields the names applied. */
export const migrateToLatest = (db: Kysely<DB>): Effect.Effect<ReadonlyArray<string>, StoreError> =>
  Effect.tryPromise({
    try: () => migratorFor(db).migrateToLatest(),
    catch: toStoreError("migrateToLatest"),
  }).pipe(Effect.flatMap(outcome("migrateToLatest")))

/** Undo the newest `steps` migrations, or all of them; yields the names undone. For tests and rollbacks. */
export const migrateDown = (
  db: Kysely<DB>,
  steps: number | "all" = "all",
): Effect.Effect<ReadonlyArray<string>, StoreError> =>
  Effect.tryPromise({
    try: async () => {
      const migrator = migratorFor(db)
      if (steps === "all") return migrator.migrateTo(NO_MIGRATIONS)
      const applied = (await migrator.getMigrations()).filter((migration) => migration.executedAt !== undefined)
      const target = applied[applied.length - 1 - steps]
      return migrator.migrateTo(target === undefined ? NO_MIGRATIONS : target.name)
    },
    catch: toStoreError("migrateDown"),
  }).pipe(Effect.flatMap(outcome("migrateDown")))
