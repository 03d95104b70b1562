import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import { NotFound } from "../../errors.ts"
import type { Disk } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { type BackupContext, diskRules } from "../../rules/disks.ts"
import { checkRules } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { ignoreMissing } from "../driver-for.ts"
import { forkTask, withVmLock } from "../snapshots/vm-task.ts"
import { chainName, dependentsOf, rootOf } from "./chains.ts"
import { driverForDisk, loadVisibleDisk } from "./disk-access.ts"

/**
 * The chain's bitmap goes first: if that fails nothing is deleted, so no increment can ever be taken on top of a
 * chain that lost its latest backups. Then the files, latest first, then the records.
 */
const removeWithDependents = (driver: Driver, disk: Disk, vm: Vm | null, backupId: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const all = yield* store.backups.list({ diskId: disk.id })
    const backup = all.find((b) => b.id === backupId)
    if (backup === undefined) return yield* new NotFound({ resource: "backup", id: backupId })
    const doomed = [...dependentsOf(backup, all), backup]
    const chain = chainName(rootOf(backup, all).id)
    if (vm !== null && driver.backups !== undefined) {
      yield* ignoreMissing(driver.backups.dropChain(vm.hostname, disk.id, chain))
    }
    for (const gone of doomed) {
      yield* driver.volumes.remove(gone.location)
      yield* store.backups.remove(gone.id)
    }
    return { deleted: doomed.map((b) => b.id), chain }
  })

/**
 * V4: delete a backup together with the increments that build on it (they cannot be restored without it; the store
 * would drop their records with it anyway). The chain it belongs to stops growing: its bitmap is dropped, and the
 * stream's next backup is a full one. Retention (V5) prunes through this operation. While the disk is attached the
 * VM's lock is held. Returns the task at once; its result lists the deleted backups.
 */
export const deleteBackup = Effect.fn("operations.deleteBackup")(function* (
  actor: Actor,
  backupId: string,
  options: { readonly parentId?: string } = {},
) {
  const store = yield* Store
  const backup = yield* store.backups.get(backupId)
  const { disk, scope } = yield* loadVisibleDisk(actor, backup.diskId)
  const driver = yield* driverForDisk(disk)
  const start = (vm: Vm | null, release: Effect.Effect<void, never, Store>) =>
    forkTask({
      start: {
        operation: "disk.delete-backup",
        actor,
        scope,
        ...(vm === null ? {} : { vmId: vm.id }),
        targetId: disk.id,
        ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
        params: { backupId, diskId: disk.id },
      },
      work: removeWithDependents(driver, disk, vm, backupId),
      release,
    })
  if (disk.vmId === null) return yield* start(null, Effect.void)
  return yield* withVmLock({
    operation: "disk.delete-backup",
    actor,
    vmId: disk.vmId,
    reads: "counts",
    check: (base) =>
      Effect.gen(function* () {
        const context: BackupContext = {
          ...base,
          disk: yield* store.disks.get(disk.id),
          backup: yield* store.backups.get(backupId),
        }
        yield* checkRules("disk.delete-backup", diskRules["delete-backup"], context)
        return context
      }),
    body: (context, release) => start(context.vm, release),
  })
})
