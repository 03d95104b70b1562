import { randomUUID } from "node:crypto"
import { posix } from "node:path"
import { Effect } from "effect"
import { HostConfig } from "../../config.ts"
import type { Driver } from "../../driver/driver.ts"
import { InvalidInput } from "../../errors.ts"
import type { Disk } from "../../model/storage.ts"
import type { Actor, VmRecordContext } from "../../rules/context.ts"
import { diskDemand, diskRules, type RestoreContext } from "../../rules/disks.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { diskPricePerDay } from "../quote.ts"
import { runItemOperation } from "../run-vm-operation.ts"
import type { TaskStart } from "../tasks.ts"
import type { BackgroundWork, ItemOperation } from "../vm-operation.ts"
import { backupCalls, driverForDisk, loadVisibleDisk } from "./disk-access.ts"

type Input = { readonly backupId: string; readonly name?: string }
type Restore = RestoreContext & { readonly scope: TaskStart["scope"]; readonly name: string }
type Prepared = { readonly driver: Driver; readonly calls: NonNullable<Driver["backups"]>; readonly disk: Disk }

/** The restore's context: the backup, the disk it was made of (if the actor may see it) and the disk quota. */
const restoreContext = Effect.fn("operations.restoreContext")(function* (actor: Actor, input: Input) {
  const { backupId } = input
  const store = yield* Store
  const backup = yield* store.backups.get(backupId)
  const { disk, scope } = yield* loadVisibleDisk(actor, backup.diskId)
  const name = input.name ?? `${disk.name}-restored-${backupId.slice(0, 8)}`
  if (name.trim() === "" || name.length > 64) {
    return yield* new InvalidInput({ message: "A disk name is 1 to 64 characters" })
  }
  const [quota, usage] = yield* Effect.all(
    [store.quotas.get(disk.departmentId), store.quotas.usage(disk.departmentId)],
    { concurrency: "unbounded" },
  )
  return { actor, disk, backup, quota, usage, demand: diskDemand(disk.sizeGiB), scope, name } satisfies Restore
})

/** The new disk: the source's size, class and bus, its department and owner, unattached, on the source's host. */
const newDiskFor = Effect.fn("operations.newDiskFor")(function* (source: Disk, name: string) {
  const config = yield* HostConfig
  const id = randomUUID()
  const disk: Disk = {
    id,
    name,
    departmentId: source.departmentId,
    ownerId: source.ownerId,
    hostId: source.hostId ?? config.hostId,
    vmId: null,
    role: "data",
    storageClass: source.storageClass,
    format: "qcow2",
    bus: source.bus,
    sizeGiB: source.sizeGiB,
    path: posix.join(config.storageDir, `${id}.qcow2`),
    backingPath: null,
    perDay: yield* diskPricePerDay([{ sizeGiB: source.sizeGiB, storageClass: source.storageClass }]),
    createdAt: yield* now,
  }
  return disk
})

const prepare = ({ disk, name }: Restore) =>
  Effect.gen(function* () {
    const driver = yield* driverForDisk(disk)
    return { driver, calls: yield* backupCalls(driver, "backups.restore"), disk: yield* newDiskFor(disk, name) }
  })

const task = ({ disk, backup, name }: Restore) => ({
  targetId: disk.id,
  params: { backupId: backup.id, diskId: disk.id, name },
})

/** The copy into the new disk's file, then its record (the file removed if the record cannot be written). */
const restore = ({ backup }: RestoreContext, { driver, calls, disk }: Prepared) =>
  Effect.gen(function* () {
    const store = yield* Store
    yield* calls.restore(backup.location, { path: disk.path, format: disk.format, sizeGiB: disk.sizeGiB })
    yield* store.disks.insert(disk).pipe(Effect.tapError(() => Effect.ignore(driver.volumes.remove(disk.path))))
    return { diskId: disk.id, backupId: backup.id }
  })

/**
 * V4: restore a ready backup (with the chain it builds on) into a NEW data disk, unattached, of the same department
 * and owner; the disk it was made of is untouched. The new disk counts against the disk quota (G2). While the source
 * disk is attached its VM's lock is held, so that no backup of the chain is deleted meanwhile; its task's result
 * names the new disk.
 */
export const restoreBackupOperation: ItemOperation<
  "record",
  Input,
  Restore & VmRecordContext,
  Prepared,
  BackgroundWork<Restore & VmRecordContext, Prepared, void>,
  Restore,
  Prepared,
  BackgroundWork<Restore, Prepared, void>
> = {
  holder: (actor, input) => Effect.map(restoreContext(actor, input), ({ disk }) => disk.vmId),
  held: {
    operation: "disk.restore-backup",
    reads: "record",
    context: (base, input) => Effect.map(restoreContext(base.actor, input), (context) => ({ ...context, ...base })),
    rules: diskRules["restore-backup"],
    prepare,
    task,
    work: { kind: "background", run: restore },
  },
  alone: {
    operation: "disk.restore-backup",
    context: restoreContext,
    rules: diskRules["restore-backup"],
    prepare,
    task: (context) => ({ ...task(context), scope: context.scope }),
    work: { kind: "background", run: restore },
  },
}

/** V4: returns the task at once. */
export const restoreBackup = (actor: Actor, backupId: string, options: { readonly name?: string } = {}) =>
  runItemOperation(restoreBackupOperation, actor, { backupId, ...options })
