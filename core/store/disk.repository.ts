import { Effect } from "effect"
import { type Kysely, sql } from "kysely"
import { NotFound, RuleViolation } from "../errors.ts"
import { Disk } from "../model/index.ts"
import { type Admission, admit } from "./admission.ts"
import { codecOf } from "./codec.ts"
import type { DiskRepository, Repository } from "./ports.ts"
import { makeRepository, untyped } from "./repository.ts"
import { run } from "./run.ts"
import type { DB } from "./schema.ts"

export const diskCodec = codecOf(Disk)

const isRefusal = (row: unknown): row is RuleViolation => row instanceof RuleViolation

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
export const makeDiskRepository = (database: Kysely<DB>): DiskRepository => {
  const plain = makeRepository(database, { table: "disks", resource: "disk", codec: diskCodec })

  /** The insert and the VM's disk total in one transaction; with an admission, its check first, under its locks. */
  const insertIn = (disk: Disk, admission: Admission | undefined) =>
    run("disk.insert", () =>
      database.transaction().execute(async (trx): Promise<Record<string, unknown> | RuleViolation> => {
        const refused = admission === undefined ? undefined : await admit(trx, admission)
        if (refused !== undefined) return refused
        const inserted = await untyped(trx)
          .insertInto("disks")
          .values(diskCodec.encode(disk))
          .returningAll()
          .executeTakeFirstOrThrow()
        await applyDiskGiBChanges(trx, diskGiBChanges([], [diskCodec.decode(inserted)]))
        return inserted
      }),
    )

  const insert = Effect.fn("disk.insert")(function* (disk: Disk) {
    const row = yield* insertIn(disk, undefined)
    if (isRefusal(row)) return yield* Effect.die(row)
    return diskCodec.decode(row)
  })

  // A refusal inserts nothing: parallel creates in one department cannot all pass on the same free quota (G2).
  const insertAdmitted = Effect.fn("disk.insertAdmitted")(function* (disk: Disk, admission: Admission) {
    const row = yield* insertIn(disk, admission)
    if (isRefusal(row)) return yield* row
    return diskCodec.decode(row)
  })

  // One conditional statement: of two parallel attaches of one disk, exactly one finds it unattached.
  const claim = Effect.fn("disk.claim")(function* (id: string, vmId: string, hostId: string) {
    const row = yield* run("disk.claim", () =>
      database.transaction().execute(async (trx) => {
        const after = await untyped(trx)
          .updateTable("disks")
          .set({ vmId, hostId })
          .where("id", "=", id)
          .where("vmId", "is", null)
          .returningAll()
          .executeTakeFirst()
        if (after !== undefined) await applyDiskGiBChanges(trx, diskGiBChanges([], [diskCodec.decode(after)]))
        return after
      }),
    )
    return row === undefined ? undefined : diskCodec.decode(row)
  })

  // Conditional, as claim is: an attach racing a delete either finds the disk gone or keeps it.
  const removeUnattached = Effect.fn("disk.removeUnattached")(function* (id: string) {
    const removed = yield* run("disk.removeUnattached", () =>
      database.deleteFrom("disks").where("id", "=", id).where("vmId", "is", null).returning("id").executeTakeFirst(),
    )
    return removed !== undefined
  })

  /** The write and the VM's disk total in one transaction; with an admission, its check first, under its locks. */
  const updateIn = (id: string, patch: Parameters<Repository<Disk>["update"]>[1], admission: Admission | undefined) => {
    const { id: _id, createdAt: _createdAt, ...changes } = diskCodec.encode(patch)
    return run("disk.update", () =>
      database.transaction().execute(async (trx): Promise<Record<string, unknown> | RuleViolation | undefined> => {
        const refused = admission === undefined ? undefined : await admit(trx, admission)
        if (refused !== undefined) return refused
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
  }

  const update = Effect.fn("disk.update")(function* (id: string, patch: Parameters<Repository<Disk>["update"]>[1]) {
    // Only a move to another VM or a resize changes a total; any other edit is one plain statement.
    if (patch.vmId === undefined && patch.sizeGiB === undefined) return yield* plain.update(id, patch)
    const row = yield* updateIn(id, patch, undefined)
    if (row === undefined) return yield* new NotFound({ resource: "disk", id })
    if (isRefusal(row)) return yield* Effect.die(row)
    return diskCodec.decode(row)
  })

  // A refusal writes nothing: a disk that grows (K2's new system disk) cannot overrun the quota with parallel writes.
  const updateAdmitted = Effect.fn("disk.updateAdmitted")(function* (
    id: string,
    patch: Parameters<Repository<Disk>["update"]>[1],
    admission: Admission,
  ) {
    const row = yield* updateIn(id, patch, admission)
    if (row === undefined) return yield* new NotFound({ resource: "disk", id })
    if (isRefusal(row)) return yield* row
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

  return {
    get: plain.get,
    list: plain.list,
    insert,
    insertAdmitted,
    update,
    updateAdmitted,
    remove,
    claim,
    removeUnattached,
  }
}
