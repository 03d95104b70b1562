import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import type { Disk } from "../../model/storage.ts"
import type { Actor } from "../../rules/context.ts"
import { type DiskDeleteContext, diskRules, diskUnattached } from "../../rules/disks.ts"
import { violation } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { driverForDisk, loadVisibleDisk } from "../backups/disk-access.ts"
import { runAloneOperation } from "../run-vm-operation.ts"
import type { TaskStart } from "../tasks.ts"
import type { AloneOperation, BackgroundWork } from "../vm-operation.ts"

type Context = DiskDeleteContext & { readonly scope: TaskStart["scope"] }

/**
 * Delete an unattached disk (V1): its row goes first, in one conditional write, so that an attach racing the delete
 * either gets the disk or finds it gone (refused disk-unattached, no task); then its file on its host. Its backups
 * stay: files of their own, deleted on their own. No VM holds it, so no VM's lock; the task is the disk's.
 */
export const deleteDiskOperation: AloneOperation<
  { readonly diskId: string },
  Context,
  Driver,
  BackgroundWork<Context, Driver, void>
> = {
  operation: "disk.delete",
  context: (actor, { diskId }) =>
    Effect.map(loadVisibleDisk(actor, diskId), ({ disk, scope }) => ({ actor, disk, scope })),
  rules: diskRules.delete,
  prepare: ({ disk }) => driverForDisk(disk),
  task: ({ disk, scope }) => ({ scope, targetId: disk.id, params: { diskId: disk.id, name: disk.name } }),
  work: {
    kind: "background",
    record: ({ disk }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const removed = yield* store.disks.removeUnattached(disk.id)
        const attached: Disk = { ...disk, vmId: "(attached)" }
        if (!removed) return yield* violation("disk.delete", diskUnattached, { disk: attached })
      }),
    run: ({ disk }, driver) => driver.volumes.remove(disk.path),
  },
}

/** V1: returns the task at once. */
export const deleteDisk = (actor: Actor, diskId: string) => runAloneOperation(deleteDiskOperation, actor, { diskId })
