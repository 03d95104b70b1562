import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { Effect, Schema } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { Errors } from "./errors.ts"

/** Per disk file, per chain: the newest backup of the chain, the only one an increment may build on. */
const ChainFile = Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.String))
type ChainTable = Record<string, Record<string, string>>

/**
 * Where each backup chain ends. The dirty bitmap in the disk's qcow2 says what changed since the chain's last backup;
 * only this record says which file that backup is, so an increment built on any other is refused. Keyed by the
 * disk's file (bitmaps live there, not in the domain), kept in one JSON file replaced atomically; writes are
 * synchronous, so two domains' operations never interleave a read-modify-write.
 */
export interface ChainStore {
  readonly last: (diskPath: string, chain: string) => string | undefined
  readonly set: (operation: string, diskPath: string, chain: string, backup: string) => Effect.Effect<void, DriverError>
  readonly drop: (operation: string, diskPath: string, chain: string) => Effect.Effect<void, DriverError>
}

const load = (file: string): ChainTable => {
  try {
    return { ...Schema.decodeUnknownSync(Schema.fromJsonString(ChainFile))(readFileSync(file, "utf8")) }
  } catch {
    // No file yet, or one we cannot read: no chain can be continued, and the core falls back to full backups.
    return {}
  }
}

export const makeChainStore = (file: string, errors: Errors): ChainStore => {
  const table: ChainTable = load(file)

  /** Writes the table; when that fails, `key`'s chains go back to what they were, so memory and file agree. */
  const persist = (operation: string, key: string, before: Record<string, string> | undefined) =>
    Effect.try({
      try: () => {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
        const temporary = `${file}.${process.pid}.tmp`
        writeFileSync(temporary, `${JSON.stringify(table, null, 2)}\n`)
        renameSync(temporary, file)
      },
      catch: (cause) => {
        if (before === undefined) delete table[key]
        else table[key] = before
        return errors.failure(operation, `cannot write the backup chain record ${file}: ${String(cause)}`, true)
      },
    })

  return {
    last: (diskPath, chain) => table[resolve(diskPath)]?.[chain],
    set: (operation, diskPath, chain, backup) =>
      Effect.suspend(() => {
        const key = resolve(diskPath)
        const before = table[key]
        table[key] = { ...before, [chain]: resolve(backup) }
        return persist(operation, key, before)
      }),
    drop: (operation, diskPath, chain) =>
      Effect.suspend(() => {
        const key = resolve(diskPath)
        const chains = table[key]
        if (chains?.[chain] === undefined) return Effect.void
        const { [chain]: _dropped, ...rest } = chains
        if (Object.keys(rest).length === 0) delete table[key]
        else table[key] = rest
        return persist(operation, key, chains)
      }),
  }
}
