import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { type DiskContext, diskRules } from "../../rules/disks.ts"
import { Store } from "../../store/ports.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { diskContext } from "./attach.ts"
import { type DiskWork, diskWork } from "./hotplug.ts"

/**
 * V3: detach a data disk (never the system disk; not while the VM has snapshots). While the VM runs the guest lets
 * go of it first (hot-unplug, on its acknowledgement); only then is the record changed, so a refused unplug leaves the
 * disk attached. The disk stays on its host, unattached, with its data, for another VM of the department.
 */
export const detachDiskOperation: VmOperation<
  "counts",
  string,
  DiskContext,
  DiskWork,
  BackgroundWork<DiskContext, DiskWork, void>
> = {
  operation: "disk.detach",
  reads: "counts",
  context: diskContext,
  rules: diskRules.detach,
  prepare: diskWork("disks.detach"),
  task: ({ disk }) => ({ targetId: disk.id, params: { diskId: disk.id } }),
  work: {
    kind: "background",
    run: ({ vm, disk }, work) =>
      Effect.gen(function* () {
        yield* work.detach(vm.hostname, disk.id)
        yield* Store.use((store) => store.disks.update(disk.id, { vmId: null }))
        return { diskId: disk.id, hot: work.hot }
      }),
  },
}

/** V3: returns the task at once. */
export const detachDisk = (actor: Actor, vmId: string, diskId: string) =>
  runVmOperation(detachDiskOperation, actor, vmId, diskId)
