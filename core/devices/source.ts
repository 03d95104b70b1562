import { Context, Effect } from "effect"
import { DriverError, HypervisorFailure } from "../driver/errors.ts"
import type { FoundDevice } from "./inventory.ts"

/**
 * The host's passthrough devices, as the host itself knows them (plugins/host-devices reads and writes sysfs). The
 * core records what `scan` finds and asks for a GPU to be handed to vfio-pci before a VM gets it (X1), and given
 * back to its own driver after (X2). Failures are DriverErrors of the "host-devices" driver.
 */
export class HostDeviceSource extends Context.Service<
  HostDeviceSource,
  {
    readonly scan: Effect.Effect<ReadonlyArray<FoundDevice>, DriverError>
    /** Binds a PCI function to vfio-pci (no-op when it is already); a function without IOMMU group is refused. */
    readonly bindVfio: (address: string) => Effect.Effect<void, DriverError>
    /** Gives a PCI function back to the host: vfio-pci lets go and the kernel probes its own driver again. */
    readonly releaseVfio: (address: string) => Effect.Effect<void, DriverError>
  }
>()("hyperx/core/devices/HostDeviceSource") {
  /** A host that reports no passthrough devices (the fake driver, tests without a sysfs tree). */
  static readonly none: HostDeviceSource["Service"] = {
    scan: Effect.succeed([]),
    bindVfio: (address) =>
      Effect.fail(
        new DriverError({
          driver: "host-devices",
          operation: "vfio.bind",
          reason: new HypervisorFailure({ message: `this host reports no device ${address}`, retryable: false }),
        }),
      ),
    releaseVfio: () => Effect.void,
  }
}
