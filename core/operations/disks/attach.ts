import { Effect } from "effect"
import { HostConfig } from "../../config.ts"
import type { Disk } from "../../model/storage.ts"
import type { Actor, VmCountsContext } from "../../rules/context.ts"
import { type DiskContext, diskRules, diskUnattached } from "../../rules/disks.ts"
import { violation } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { loadVisibleDisk } from "../backups/disk-access.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import { diskSpecOf } from "../spec.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { type DiskWork, diskWork } from "./hotplug.ts"

/** The disk as seen from the VM (NotFound outside the caller's scope), for the rules of V1 and V3. */
export const diskContext = (base: VmCountsContext, diskId: string) =>
  Effect.map(loadVisibleDisk(base.actor, diskId, base.vm), ({ disk }): DiskContext => ({ ...base, disk }))

/** Undo a claim: only this VM's (a disk attached to it moves only under its lock, which the operation holds). */
const giveBack = ({ disk, vm }: DiskContext) =>
  Store.use((store) =>
    Effect.flatMap(store.disks.get(disk.id), (current) =>
      current.vmId === vm.id ? store.disks.update(disk.id, { vmId: null }) : Effect.void,
    ),
  )

/**
 * V1: attach an unattached data disk of the VM's department (and host) to the VM: hot-plugged while it runs, else
 * taken up at its next start. The disk is claimed first, in one conditional write, so that of two VMs attaching one
 * disk at once exactly one gets it (the other is refused with disk-unattached); a failed hot-plug gives it back.
 */
export const attachDiskOperation: VmOperation<
  "counts",
  string,
  DiskContext,
  DiskWork,
  BackgroundWork<DiskContext, DiskWork, Disk>
> = {
  operation: "disk.attach",
  reads: "counts",
  context: diskContext,
  rules: diskRules.attach,
  prepare: diskWork("disks.attach"),
  task: ({ disk }) => ({ targetId: disk.id, params: { diskId: disk.id } }),
  work: {
    kind: "background",
    record: (context) =>
      Effect.gen(function* () {
        const store = yield* Store
        const config = yield* HostConfig
        const claimed = yield* store.disks.claim(context.disk.id, context.vm.id, context.vm.hostId ?? config.hostId)
        if (claimed === undefined) return yield* violation("disk.attach", diskUnattached, context)
        return claimed
      }),
    // Also run when the claim itself was refused: then another VM holds the disk, and it stays there.
    discard: giveBack,
    run: ({ vm }, work, recorded) =>
      Effect.gen(function* () {
        const disk = yield* recorded
        yield* work.attach(vm.hostname, diskSpecOf(disk))
        return { diskId: disk.id, hot: work.hot }
      }),
    onFailure: giveBack,
  },
}

/** V1: returns the task at once. */
export const attachDisk = (actor: Actor, vmId: string, diskId: string) =>
  runVmOperation(attachDiskOperation, actor, vmId, diskId)
