import { randomUUID } from "node:crypto"
import { posix } from "node:path"
import { Effect } from "effect"
import { HostConfig } from "../../config.ts"
import { InvalidInput } from "../../errors.ts"
import type { Backup, Disk } from "../../model/storage.ts"
import type { Actor } from "../../rules/context.ts"
import { diskDemand, diskRules, type RestoreContext } from "../../rules/disks.ts"
import { checkRules } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { diskPricePerDay } from "../quote.ts"
import { forkTask, withVmLock } from "../snapshots/vm-task.ts"
import { backupCalls, driverForDisk, loadVisibleDisk } from "./disk-access.ts"

const checkRestore = Effect.fn("operations.checkRestore")(function* (actor: Actor, backupId: string) {
  const store = yield* Store
  const backup = yield* store.backups.get(backupId)
  const { disk, scope } = yield* loadVisibleDisk(actor, backup.diskId)
  const context: RestoreContext = {
    actor,
    disk,
    backup,
    quota: yield* store.quotas.get(disk.departmentId),
    usage: yield* store.quotas.usage(disk.departmentId),
    demand: diskDemand(disk.sizeGiB),
  }
  yield* checkRules("disk.restore-backup", diskRules["restore-backup"], context)
  return { context, scope }
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

/**
 * V4: restore a ready backup (with the chain it builds on) into a NEW data disk, unattached, of the same department
 * and owner; the disk it was made of is untouched. The new disk counts against the disk quota (G2). While the source
 * disk is attached its VM's lock is held, so that no backup of the chain is deleted meanwhile. Returns the task at
 * once; its result names the new disk.
 */
export const restoreBackup = Effect.fn("operations.restoreBackup")(function* (
  actor: Actor,
  backupId: string,
  options: { readonly name?: string } = {},
) {
  const store = yield* Store
  const { context, scope } = yield* checkRestore(actor, backupId)
  const source = context.disk
  const name = options.name ?? `${source.name}-restored-${backupId.slice(0, 8)}`
  if (name.trim() === "" || name.length > 64) {
    return yield* new InvalidInput({ message: "A disk name is 1 to 64 characters" })
  }
  const driver = yield* driverForDisk(source)
  const calls = yield* backupCalls(driver, "backups.restore")
  const start = (backup: Backup, release: Effect.Effect<void, never, Store>) =>
    Effect.gen(function* () {
      const disk = yield* newDiskFor(source, name)
      return yield* forkTask({
        start: {
          operation: "disk.restore-backup",
          actor,
          scope,
          ...(source.vmId === null ? {} : { vmId: source.vmId }),
          targetId: source.id,
          params: { backupId, diskId: source.id, name },
        },
        work: Effect.gen(function* () {
          yield* calls.restore(backup.location, { path: disk.path, format: disk.format, sizeGiB: disk.sizeGiB })
          yield* store.disks.insert(disk).pipe(Effect.tapError(() => Effect.ignore(driver.volumes.remove(disk.path))))
          return { diskId: disk.id, backupId }
        }),
        release,
      })
    })
  if (source.vmId === null) return yield* start(context.backup, Effect.void)
  return yield* withVmLock({
    operation: "disk.restore-backup",
    actor,
    vmId: source.vmId,
    reads: "record",
    check: (base) => Effect.as(checkRestore(actor, backupId), base),
    body: (_, release) => Effect.flatMap(store.backups.get(backupId), (backup) => start(backup, release)),
  })
})
