import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import { DriverError, Unsupported } from "../../driver/errors.ts"
import type { DiskSpec } from "../../driver/spec.ts"
import type { VmRecordContext } from "../../rules/context.ts"
import { driverFor, ignoreMissing } from "../driver-for.ts"

/**
 * What a disk operation's work needs: the VM's driver, and how the hypervisor takes the change. While the VM runs,
 * the driver's disk calls hot-plug (capability hotplugDisk, else the change is refused). While it is stopped they
 * change its definition; a domain the hypervisor does not know yet, or a driver without disk calls, needs nothing:
 * the next start defines the VM from the records (power.ts), the changed disks with it.
 */
export interface DiskWork {
  readonly driver: Driver
  readonly hot: boolean
  readonly attach: (hostname: string, disk: DiskSpec) => Effect.Effect<void, DriverError>
  readonly detach: (hostname: string, diskId: string) => Effect.Effect<void, DriverError>
}

export const diskWork = (operation: string) => (context: VmRecordContext) =>
  Effect.gen(function* () {
    const driver = yield* driverFor(context.vm)
    const calls = driver.disks
    const hot = context.vm.state === "running"
    if (hot && (calls === undefined || !driver.capabilities.has("hotplugDisk"))) {
      const reason = new Unsupported({ capability: "hotplugDisk" })
      return yield* new DriverError({ driver: driver.name, operation, reason })
    }
    const cold = <A extends ReadonlyArray<unknown>>(call: (...args: A) => Effect.Effect<void, DriverError>) =>
      hot ? call : (...args: A) => ignoreMissing(call(...args))
    const work: DiskWork = {
      driver,
      hot,
      attach: calls === undefined ? () => Effect.void : cold(calls.attach),
      detach: calls === undefined ? () => Effect.void : cold(calls.detach),
    }
    return work
  })
