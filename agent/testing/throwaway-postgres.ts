import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before } from "node:test"
import { promisify } from "node:util"
import { type StoreBackend, storeBackendsFor } from "../../core/store/testing.ts"

const script = join(import.meta.dirname, "../../scripts/pg-throwaway.sh")
const run = promisify(execFile)

/** Why PostgreSQL server tests cannot run here, or false. Under CI=true a missing server fails instead. */
export const throwawayPostgresSkip =
  existsSync("/usr/lib/postgresql/15/bin/postgres") || process.env.CI === "true"
    ? false
    : "the PostgreSQL 15 server binaries are not installed (/usr/lib/postgresql/15/bin)"

export interface ThrowawayPostgres {
  /** The server's admin URL (a database per test harness is made on it). */
  readonly url: string
  /** Stop the server, keeping its data: every connection breaks, new ones are refused. */
  readonly halt: () => Promise<void>
  /** Start it again on the same port. */
  readonly resume: () => Promise<void>
}

/** A PostgreSQL server of the tests' own (scripts/pg-throwaway.sh) for the enclosing describe, to take down at will. */
export const useThrowawayPostgres = (): ThrowawayPostgres => {
  // Not made here: the script makes it for the postgres user, who must be able to enter it.
  const dir = join(tmpdir(), `hx-pg-${randomUUID().slice(0, 8)}`)
  let url: string | undefined
  before(async () => {
    const { stdout } = await run("bash", [script, "start", dir])
    url = /TEST_DATABASE_URL=(\S+)/.exec(stdout)?.[1]
    if (url === undefined) throw new Error(`pg-throwaway printed no URL: ${stdout}`)
  })
  after(() => run("bash", [script, "stop", dir]))
  return {
    get url() {
      if (url === undefined) throw new Error("useThrowawayPostgres: used before its before() hook")
      return url
    },
    halt: () => run("bash", [script, "halt", dir]).then(() => undefined),
    resume: () => run("bash", [script, "resume", dir]).then(() => undefined),
  }
}

/** A store backend on the throwaway server (a fresh database per harness), for useAgent; resolved once it runs. */
export const backendOn = (server: ThrowawayPostgres): StoreBackend => {
  const onServer = () => storeBackendsFor({ TEST_DATABASE_URL: server.url })[0] as StoreBackend
  return {
    name: "postgres",
    skip: false,
    layer: () => onServer().layer(),
    database: () => onServer().database(),
  }
}
