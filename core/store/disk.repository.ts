import { Effect } from "effect"
import { type Kysely, sql } from "kysely"
import { NotFound } from "../errors.ts"
import { Disk } from "../model/index.ts"
import { codecOf } from "./codec.ts"
import type { Repository } from "./ports.ts"
import { makeRepository, untyped } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

export const diskCodec = codecOf(Disk)

/** What a disk adds to a VM's disk total: its size, to the VM it is attached to (if any). */
export interface DiskShare {
  readonly vmId: string | null
  readonly sizeGiB: number
}

/** Each VM's change of disk GiB when the disks `before` become the disks `after`. */
export const diskGiBChanges = (
  before: ReadonlyArray<DiskShare>,
  after: ReadonlyArray<DiskShare>,
): ReadonlyMap<string, number> => {
  const changes = new Map<string, number>()
  const add = (share: DiskShare, sign: 1 | -1) => {
    if (share.vmId !== null) changes.set(share.vmId, (changes.get(share.vmId) ?? 0) + sign * share.sizeGiB)
  }
  for (const share of before) add(share, -1)
  for (const share of after) add(share, 1)
  return changes
}

/**
 * Move vms.disk_gib (migration 0008) by each change, in the caller's transaction. An increment, not a re-sum, so
 * that two transactions changing one VM's disks at once both count (the second waits for the first's row lock).
 */
export const applyDiskGiBChanges = async (trx: Kysely<DB>, changes: ReadonlyMap<string, number>): Promise<void> => {
  for (const [vmId, delta] of changes) {
    if (delta === 0) continue
    await trx
      .updateTable("vms")
      .set({ diskGiB: sql<number>`disk_gib + ${delta}::integer` })
      .where("id", "=", vmId)
      .execute()
  }
}

/**
 * The disks table's repository, which keeps each VM's disk total (the list's disk column and L5 total) in the same
 * transaction as the disk insert, resize, attach, detach or removal that changes it.
 */
export const makeDiskRepository = (database: Kysely<DB>): Repository<Disk> => {
  const plain = makeRepository(database, { table: "disks", resource: "disk", codec: diskCodec })

  const insert = Effect.fn("disk.insert")(function* (disk: Disk) {
    const row = yield* run("disk.insert", () =>
      database.transaction().execute(async (trx) => {
        const inserted = await untyped(trx)
          .insertInto("disks")
          .values(diskCodec.encode(disk))
          .returningAll()
          .executeTakeFirstOrThrow()
        await applyDiskGiBChanges(trx, diskGiBChanges([], [diskCodec.decode(inserted)]))
        return inserted
      }),
    )
    return diskCodec.decode(row)
  })

  const update = Effect.fn("disk.update")(function* (id: string, patch: Parameters<Repository<Disk>["update"]>[1]) {
    // Only a move to another VM or a resize changes a total; any other edit is one plain statement.
    if (patch.vmId === undefined && patch.sizeGiB === undefined) return yield* plain.update(id, patch)
    const { id: _id, createdAt: _createdAt, ...changes } = diskCodec.encode(patch)
    const row = yield* run("disk.update", () =>
      database.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom("disks")
          .select(["vmId", "sizeGiB"])
          .where("id", "=", id)
          .forUpdate()
          .executeTakeFirst()
        if (before === undefined) return undefined
        const after = await untyped(trx)
          .updateTable("disks")
          .set(changes)
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow()
        await applyDiskGiBChanges(trx, diskGiBChanges([before], [diskCodec.decode(after)]))
        return after
      }),
    )
    if (row === undefined) return yield* new NotFound({ resource: "disk", id })
    return diskCodec.decode(row)
  })

  const remove = Effect.fn("disk.remove")(function* (id: string) {
    yield* run("disk.remove", () =>
      database.transaction().execute(async (trx) => {
        const removed = await trx
          .deleteFrom("disks")
          .where("id", "=", id)
          .returning(["vmId", "sizeGiB"])
          .executeTakeFirst()
        await applyDiskGiBChanges(trx, diskGiBChanges(removed === undefined ? [] : [removed], []))
      }),
    )
  })

  return { get: plain.get, list: plain.list, insert, update, remove }
}
