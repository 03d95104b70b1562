import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { type DiskDeleteContext, diskRules, diskUnattached } from "../../rules/disks.ts"
import { checkRules, violation } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { driverForDisk, loadVisibleDisk } from "../backups/disk-access.ts"
import { forkTask } from "../snapshots/vm-task.ts"

/**
 * Delete an unattached disk: its row (in one conditional write, so that an attach racing the delete either gets the
 * disk or finds it gone), then its file on its host. Its backups stay: files of their own, deleted on their own.
 * No VM is involved, so no VM's lock; the task is the disk's. Returns the task at once.
 */
export const deleteDisk = Effect.fn("operations.deleteDisk")(function* (actor: Actor, diskId: string) {
  const store = yield* Store
  const { disk, scope } = yield* loadVisibleDisk(actor, diskId)
  const context: DiskDeleteContext = { actor, disk }
  yield* checkRules("disk.delete", diskRules.delete, context)
  const driver = yield* driverForDisk(disk)
  return yield* forkTask({
    start: { operation: "disk.delete", actor, scope, targetId: disk.id, params: { diskId: disk.id, name: disk.name } },
    record: Effect.gen(function* () {
      const removed = yield* store.disks.removeUnattached(disk.id)
      if (!removed) return yield* violation("disk.delete", diskUnattached, { disk: { ...disk, vmId: "(attached)" } })
    }),
    work: Effect.as(driver.volumes.remove(disk.path), { diskId: disk.id }),
  })
})
