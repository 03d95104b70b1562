import { randomUUID } from "node:crypto"
import { posix } from "node:path"
import { Effect } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import { NotFound } from "../errors.ts"
import type { Disk } from "../model/index.ts"
import { configRules, type ReinstallContext, reinstallDemand } from "../rules/config.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { quotaAdmission } from "./admission.ts"
import { driverFor } from "./driver-for.ts"
import { applyGuestLogin } from "./login.ts"
import { defineAndStart } from "./power.ts"
import { quotaContext } from "./quota-context.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { snapshotCalls, snapshotDriverName } from "./snapshots/records.ts"
import type { BackgroundWork, VmOperation } from "./vm-operation.ts"

interface Reinstalling extends ReinstallContext {
  readonly system: Disk
}

type Prepared = {
  readonly driver: Driver
  readonly keyring: Keyring
  readonly storageDir: string
  readonly timeoutMs: number
}

/**
 * K2: reinstall a running VM from an image. The VM's snapshots go first (they hold the old system disk: the hypervisor
 * deletes them from every disk while the guest still runs), then the guest is shut down (gracefully, forced after the
 * host's timeout), a new system disk is made over the image (a new file: the old one is deleted once the definition
 * no longer names it; at least the old size), the records follow (the VM's image, its system disk; a managed password
 * is pending, so the new system takes it), and the VM is defined and started again. Data disks stay as they are,
 * content included. The lifecycle's force-reboot carries it (running → rebooting → running): a failure half way
 * leaves the VM in error with the reason, since its old system disk may be gone. An image that needs a larger system
 * disk asks the department's disk quota for the difference (G2): checked by the rules, then again under the
 * department's lock where the larger size is recorded, before the task: a refusal answers the request with
 * quota-disk, nothing touched.
 */
export const reinstallOperation: VmOperation<
  "full",
  string,
  Reinstalling,
  Prepared,
  BackgroundWork<Reinstalling, Prepared, void>
> = {
  operation: "vm.reinstall",
  reads: "full",
  context: (base, imageId) =>
    Effect.gen(function* () {
      const store = yield* Store
      const [image, systems] = yield* Effect.all(
        [store.images.get(imageId), store.disks.list({ vmId: base.vm.id, role: "system" })],
        { concurrency: "unbounded" },
      )
      const [system] = systems
      if (system === undefined) return yield* new NotFound({ resource: "disk", id: `system disk of ${base.vm.id}` })
      const quota = yield* quotaContext(base.vm.departmentId, reinstallDemand(system.sizeGiB, image))
      return { ...base, image, system, ...quota }
    }),
  rules: configRules.reinstall,
  prepare: ({ vm }) =>
    Effect.gen(function* () {
      const config = yield* HostConfig
      return {
        driver: yield* driverFor(vm, "vm.reinstall"),
        keyring: keyringOf(config),
        storageDir: config.storageDir,
        timeoutMs: config.shutdownTimeoutMs,
      }
    }),
  lifecycle: "force-reboot",
  task: ({ vm, image }) => ({ targetId: image.id, params: { imageId: image.id, from: vm.imageId } }),
  work: {
    kind: "background",
    // G2 before the task, under the department's lock: a system disk that grows holds its quota against parallel
    // writes, and a refusal answers the request (nothing touched, the VM runs on)
    record: ({ vm, image, system, demand }) =>
      Effect.gen(function* () {
        if (image.minDiskGiB <= system.sizeGiB) return
        const admission = quotaAdmission("vm.reinstall", vm.departmentId, vm.hostId ?? "", demand)
        yield* Store.use((store) => store.disks.updateAdmitted(system.id, { sizeGiB: image.minDiskGiB }, admission))
      }),
    discard: ({ system }) => Store.use((store) => store.disks.update(system.id, { sizeGiB: system.sizeGiB })),
    run: (context, { driver, keyring, storageDir, timeoutMs }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const { vm, image, system } = context
        const sizeGiB = Math.max(system.sizeGiB, image.minDiskGiB)
        const snapshots = yield* store.snapshots.list({ vmId: vm.id })
        if (snapshots.length > 0) {
          const calls = yield* snapshotCalls(driver, "snapshots.remove")
          for (const snapshot of snapshots) {
            yield* calls.remove(vm.hostname, snapshotDriverName(snapshot))
            yield* store.snapshots.remove(snapshot.id)
          }
        }
        yield* driver.shutdown(vm.hostname, { force: false, timeoutMs })
        const path = posix.join(storageDir, `${randomUUID()}.qcow2`)
        const backingFormat = image.format === "raw" ? "raw" : "qcow2"
        yield* driver.volumes.create({ path, format: "qcow2", sizeGiB, backingPath: image.location, backingFormat })
        yield* store.disks.update(system.id, { path, backingPath: image.location, sizeGiB })
        const managed = vm.loginMethod === "password" && vm.passwordCipher !== null
        const reinstalled = yield* store.vms.update(vm.id, { imageId: image.id, passwordPending: managed })
        yield* defineAndStart(driver, reinstalled)
        // the definition no longer names the old file
        yield* driver.volumes
          .remove(system.path)
          .pipe(
            Effect.catch((error) => Effect.logWarning(`could not delete the old system disk ${system.path}`, error)),
          )
        yield* applyGuestLogin(driver, { ...context, vm: reinstalled, osFamily: image.osFamily }, keyring)
        return { imageId: image.id, snapshotsRemoved: snapshots.length }
      }),
  },
}

/** K2: returns the task at once; it ends when the reinstalled VM runs. */
export const reinstallVm = (actor: Actor, vmId: string, imageId: string) =>
  runVmOperation(reinstallOperation, actor, vmId, imageId)
