import { posix } from "node:path"
import { Effect } from "effect"
import { canSee } from "../../auth/scope.ts"
import { HostConfig } from "../../config.ts"
import type { Driver } from "../../driver/driver.ts"
import { DriverError, Unsupported } from "../../driver/errors.ts"
import { DriverRegistry } from "../../driver/registry.ts"
import { NotFound } from "../../errors.ts"
import type { Disk } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"

/** Backups live in a `backups` folder beside the disks' folder, one folder per disk: <backups>/<diskId>/<id>.qcow2. */
export const backupsDir = (storageDir: string) => posix.join(posix.dirname(posix.normalize(storageDir)), "backups")

export const backupLocation = (storageDir: string, diskId: string, backupId: string) =>
  posix.join(backupsDir(storageDir), diskId, `${backupId}.qcow2`)

/** Who may see a disk, and where its tasks' events go: its owner, department and the department's company. */
export const diskScope = Effect.fn("operations.diskScope")(function* (disk: Disk) {
  const store = yield* Store
  const department = yield* store.departments.get(disk.departmentId)
  return { companyId: department.companyId, departmentId: disk.departmentId, ownerId: disk.ownerId }
})

/**
 * The disk if the actor may see it; otherwise NotFound, exactly as if it did not exist (G1). Seen from `vm` (the VM
 * it is attached to, say), a disk in the VM's department is in the VM's company: no department to read.
 */
export const loadVisibleDisk = Effect.fnUntraced(function* loadVisibleDisk(
  actor: Actor,
  diskId: string,
  vm?: Vm,
  known?: Disk,
) {
  const store = yield* Store
  // `known`: the disk as just read (the lock's claim read it).
  const disk = known?.id === diskId ? known : yield* store.disks.get(diskId)
  const scope =
    vm !== undefined && vm.departmentId === disk.departmentId
      ? { companyId: vm.companyId, departmentId: disk.departmentId, ownerId: disk.ownerId }
      : yield* diskScope(disk)
  if (!canSee(actor, scope)) return yield* new NotFound({ resource: "disk", id: diskId })
  return { disk, scope }
})

/** The driver of the host a disk lives on (this agent's host for a disk not yet placed). */
export const driverForDisk = Effect.fn("operations.driverForDisk")(function* (disk: Disk) {
  const store = yield* Store
  const config = yield* HostConfig
  const registry = yield* DriverRegistry
  const host = yield* store.hosts.get(disk.hostId ?? config.hostId)
  return yield* registry.get(host.driver)
})

/** The driver's backup calls, or an Unsupported DriverError when it does not declare diskBackup. */
export const backupCalls = (
  driver: Driver,
  operation: string,
): Effect.Effect<NonNullable<Driver["backups"]>, DriverError> => {
  const calls = driver.backups
  if (calls !== undefined && driver.capabilities.has("diskBackup")) return Effect.succeed(calls)
  const reason = new Unsupported({ capability: "diskBackup" })
  return Effect.fail(new DriverError({ driver: driver.name, operation, reason }))
}
