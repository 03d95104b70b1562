import { randomUUID } from "node:crypto"
import { posix } from "node:path"
import { Effect } from "effect"
import { HostConfig } from "../../config.ts"
import { InvalidInput } from "../../errors.ts"
import type { Disk, DiskBus } from "../../model/storage.ts"
import type { Actor } from "../../rules/context.ts"
import { type DiskCreateContext, diskDemand, diskRules } from "../../rules/disks.ts"
import { Store } from "../../store/ports.ts"
import { quotaAdmission } from "../admission.ts"
import { now } from "../clock.ts"
import { quotaContext } from "../quota-context.ts"
import { diskPricePerDay } from "../quote.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import { diskSpecOf } from "../spec.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { type DiskWork, diskWork } from "./hotplug.ts"

/** V2: the new disk's name, size, and storage class (its price); qcow2 on the virtio bus, which hot-plugs. */
export interface DiskCreateRequest {
  readonly name: string
  readonly sizeGiB: number
  /** Default "standard". */
  readonly storageClass?: string
}

interface Creating extends DiskCreateContext {
  readonly name: string
  readonly diskId: string
}

const bus: DiskBus = "virtio"

const newDisk = (context: Creating) =>
  Effect.gen(function* () {
    const config = yield* HostConfig
    const hostId = context.vm.hostId ?? config.hostId
    const disk: Disk = {
      id: context.diskId,
      name: context.name,
      departmentId: context.vm.departmentId,
      ownerId: context.vm.ownerId,
      hostId,
      vmId: context.vm.id,
      role: "data",
      storageClass: context.storageClass,
      format: "qcow2",
      bus,
      sizeGiB: context.sizeGiB,
      path: posix.join(config.storageDir, `${context.diskId}.qcow2`),
      backingPath: null,
      perDay: yield* diskPricePerDay([{ sizeGiB: context.sizeGiB, storageClass: context.storageClass }]),
      createdAt: yield* now,
    }
    return { disk, hostId }
  })

/**
 * V2: create an empty data disk and attach it to the VM: the row goes in first (quota G2 checked again inside its
 * transaction), then the file on the VM's host, then, while the VM runs, the hot-plug. A failure removes the row and
 * the file. The task's params.diskId names the disk.
 */
export const createDiskOperation: VmOperation<
  "counts",
  DiskCreateRequest,
  Creating,
  DiskWork,
  BackgroundWork<Creating, DiskWork, Disk>
> = {
  operation: "disk.create",
  reads: "counts",
  context: (base, request) =>
    Effect.map(quotaContext(base.vm.departmentId, diskDemand(request.sizeGiB)), (quota) => ({
      ...base,
      ...quota,
      name: request.name,
      sizeGiB: request.sizeGiB,
      storageClass: request.storageClass ?? "standard",
      diskId: randomUUID(),
    })),
  rules: diskRules.create,
  prepare: diskWork("disks.attach"),
  task: ({ diskId, name, sizeGiB, storageClass }) => ({
    targetId: diskId,
    params: { diskId, name, sizeGiB, storageClass },
  }),
  work: {
    kind: "background",
    record: (context) =>
      Effect.gen(function* () {
        const store = yield* Store
        const { disk, hostId } = yield* newDisk(context)
        // G2 again where the row goes in, under the department's and host's locks: parallel creates cannot share quota
        const admission = quotaAdmission("disk.create", context.vm.departmentId, hostId, context.demand)
        return yield* store.disks.insertAdmitted(disk, admission)
      }),
    discard: ({ diskId }) => Store.use((store) => store.disks.remove(diskId)),
    run: ({ vm }, work, recorded) =>
      Effect.gen(function* () {
        const disk = yield* recorded
        yield* work.driver.volumes.create({ path: disk.path, format: disk.format, sizeGiB: disk.sizeGiB })
        yield* work.attach(vm.hostname, diskSpecOf(disk))
        return { diskId: disk.id, hot: work.hot }
      }),
    onFailure: ({ diskId }, { driver }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const disk = yield* store.disks.get(diskId)
        yield* Effect.ignore(driver.volumes.remove(disk.path))
        yield* store.disks.remove(diskId)
      }),
  },
}

/** V2: create a data disk on the VM and attach it (hot while it runs); returns the task at once. */
export const createDisk = (actor: Actor, vmId: string, request: DiskCreateRequest) =>
  request.name.trim() === "" || request.name.length > 64
    ? Effect.fail(new InvalidInput({ message: "A disk name is 1 to 64 characters" }))
    : !Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > 65536
      ? Effect.fail(new InvalidInput({ message: "A disk's size is a whole number of GiB, 1 to 65536" }))
      : runVmOperation(createDiskOperation, actor, vmId, request)
