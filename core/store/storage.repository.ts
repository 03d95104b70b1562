import type { Kysely } from "kysely"
import { type Backup, Schedule, type Snapshot } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import { makeDiskRepository } from "./disk.repository.ts"
import { backupCodec, snapshotCodec } from "./own-rows.ts"
import type { DiskRepository, Repository, ScheduleFilter } from "./ports.ts"
import { makeRepository } from "./repository.ts"
import type { DB } from "./schema.ts"

export interface StorageRepositories {
  readonly disks: DiskRepository
  readonly snapshots: Repository<Snapshot>
  readonly backups: Repository<Backup>
  readonly schedules: Repository<Schedule, ScheduleFilter>
}

export const makeStorageRepositories = (db: Kysely<DB>): StorageRepositories => ({
  disks: makeDiskRepository(db),
  snapshots: makeRepository(db, {
    table: "snapshots",
    resource: "snapshot",
    codec: snapshotCodec,
  }),
  backups: makeRepository(db, {
    table: "backups",
    resource: "backup",
    codec: backupCodec,
  }),
  // ScheduleFilter's keys (kind, vmId, diskId) are the columns derived from the target.
  schedules: makeRepository<Schedule, ScheduleFilter>(db, {
    table: "schedules",
    resource: "schedule",
    codec: codecOf(Schedule, { json: ["target"] }),
  }),
})
