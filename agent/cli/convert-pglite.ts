import { execFile } from "node:child_process"
import { mkdtempSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { promisify } from "node:util"
import { Effect } from "effect"
import { Migrator } from "kysely"
import pg from "pg"
import { openDatabase } from "../../core/store/database.ts"
import { migrations } from "../../core/store/migrations/index.ts"
import { migrateToLatest } from "../../core/store/migrator.ts"
import { clusterState } from "../../core/store/server/cluster.ts"
import { DataFolderError, lockDataFolder, openDataFolder } from "../start/data-folder.ts"
import { openAgentDatabase } from "../start/database.ts"

const exec = promisify(execFile)

/** What the old PGlite files hold: the migrations applied, and every table's rows as JSON text. */
interface OldRecords {
  readonly applied: ReadonlyArray<string>
  readonly tables: ReadonlyArray<{ readonly name: string; readonly rows: ReadonlyArray<string> }>
}

interface PgliteLike {
  query: <T>(sql: string) => Promise<{ rows: Array<T> }>
  close: () => Promise<void>
}

/** PGlite 0.5 (the version that wrote the files), from `pgliteHome` or installed by npm into a temporary folder. */
const loadPglite = async (pgliteHome: string | undefined, progress: (text: string) => void) => {
  let home = pgliteHome
  if (home === undefined) {
    home = mkdtempSync(join(tmpdir(), "hyperx-pglite-"))
    progress(`installing @electric-sql/pglite 0.5 into ${home} (to read the old files)…`)
    await exec("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", home, "@electric-sql/pglite@0.5"])
  }
  const entry = join(home, "node_modules", "@electric-sql", "pglite", "dist", "index.js")
  const module = (await import(pathToFileURL(entry).href)) as {
    PGlite: { create: (dataDir: string) => Promise<PgliteLike> }
  }
  return module.PGlite
}

const readOld = async (PGlite: { create: (dataDir: string) => Promise<PgliteLike> }, dir: string) => {
  const db = await PGlite.create(dir)
  try {
    const applied = (await db.query<{ name: string }>("select name from kysely_migration order by name")).rows
    const names = await db.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'kysely_%' order by 1",
    )
    const tables = []
    for (const { name } of names.rows) {
      const rows = await db.query<{ row: string }>(`select row_to_json(t)::text as row from "${name}" t`)
      tables.push({ name, rows: rows.rows.map((r) => r.row) })
    }
    return { applied: applied.map((a) => a.name), tables } satisfies OldRecords
  } finally {
    await db.close()
  }
}

/** Writes the old rows into the new database, migrated to exactly the old schema first and to the latest after. */
const writeNew = async (url: string, old: OldRecords) => {
  const last = old.applied[old.applied.length - 1]
  const unknown = old.applied.filter((name) => !(name in migrations))
  if (unknown.length > 0)
    throw new DataFolderError(`The old records have migrations this version does not know: ${unknown.join(", ")}`)
  await Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(openDatabase({ dialect: "postgres", url }), ({ db }) =>
        Effect.promise(async () => {
          const migrator = new Migrator({
            db: db.withoutPlugins(),
            provider: { getMigrations: async () => ({ ...migrations }) },
          })
          const result = last === undefined ? { error: undefined } : await migrator.migrateTo(last)
          if (result.error !== undefined) throw result.error
        }),
      ),
    ),
  )
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query("begin")
    // The rows go in table by table; foreign keys are checked by the old database already.
    await client.query("set local session_replication_role = replica")
    for (const table of old.tables) {
      const columns = await client.query<{ name: string }>(
        "select column_name as name from information_schema.columns where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' order by ordinal_position",
        [table.name],
      )
      const list = columns.rows.map((c) => `"${c.name}"`).join(", ")
      for (const row of table.rows) {
        await client.query(
          `insert into "${table.name}" (${list}) select ${list} from json_populate_record(null::"${table.name}", $1::json)`,
          [row],
        )
      }
      // Identity and serial columns continue after the copied rows.
      const sequences = await client.query<{ col: string; seq: string | null }>(
        "select column_name as col, pg_get_serial_sequence($1, column_name) as seq from information_schema.columns where table_schema = 'public' and table_name = $1",
        [table.name],
      )
      for (const { col, seq } of sequences.rows) {
        if (seq === null) continue
        await client.query(`select setval($1, coalesce((select max("${col}") from "${table.name}"), 0) + 1, false)`, [
          seq,
        ])
      }
    }
    await client.query("commit")
  } catch (error) {
    await client.query("rollback").catch(() => undefined)
    throw error
  } finally {
    await client.end()
  }
  await Effect.runPromise(
    Effect.scoped(Effect.flatMap(openDatabase({ dialect: "postgres", url }), ({ db }) => migrateToLatest(db))),
  )
}

/**
 * `hyperx data convert-pglite`: the records of an older hyperx's PGlite files in <data>/pg, copied into the embedded
 * PostgreSQL server of the same folder; the PGlite files stay in <data>/pg-pglite. Returns what it did, for printing.
 */
export const convertPglite = async (
  dataDir: string,
  pgliteHome: string | undefined,
  progress: (text: string) => void,
): Promise<string> => {
  const folder = openDataFolder(dataDir)
  const state = await Effect.runPromise(clusterState({ dir: folder.pgDir, passwordFile: folder.pgPasswordFile }))
  if (state !== "pglite") throw new DataFolderError(`${folder.pgDir} holds no PGlite files: nothing to convert`)
  const unlock = lockDataFolder(folder)
  try {
    const PGlite = await loadPglite(pgliteHome, progress)
    progress(`reading ${folder.pgDir} with PGlite…`)
    const old = await readOld(PGlite, folder.pgDir)
    const kept = join(folder.root, "pg-pglite")
    renameSync(folder.pgDir, kept)
    progress("starting the embedded PostgreSQL and copying the rows…")
    const database = await openAgentDatabase(undefined, folder, progress)
    try {
      await writeNew(database.url, old)
    } catch (error) {
      await database.close()
      rmSync(folder.pgDir, { recursive: true, force: true })
      rmSync(folder.pgPasswordFile, { force: true })
      renameSync(kept, folder.pgDir)
      throw error
    }
    await database.close()
    const rows = old.tables.reduce((sum, table) => sum + table.rows.length, 0)
    return `Converted ${rows} rows in ${old.tables.length} tables into the embedded PostgreSQL in ${folder.pgDir}; the PGlite files are in ${kept} (remove them once the agent runs well).`
  } finally {
    unlock()
  }
}
