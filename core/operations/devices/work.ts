import { Effect } from "effect"
import type { HostDeviceSource } from "../../devices/source.ts"
import type { Capability } from "../../driver/capabilities.ts"
import type { Driver } from "../../driver/driver.ts"
import { DriverError, Unsupported } from "../../driver/errors.ts"
import type { DeviceSpec } from "../../driver/spec.ts"
import type { HostDevice } from "../../model/host.ts"
import type { Vm } from "../../model/vm.ts"
import type { VmRecordContext } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"
import { driverFor, ignoreMissing } from "../driver-for.ts"

type Call<A extends ReadonlyArray<unknown>> = (...args: A) => Effect.Effect<void, DriverError>

/**
 * What a device operation's work needs: the VM's driver and its calls, hot while the VM runs (the capability must be
 * declared, else the change is refused), cold otherwise: the definition changes, and a domain the hypervisor does not
 * know yet needs nothing (the next start defines the VM from the records, the change with it).
 */
export interface DeviceWork {
  readonly driver: Driver
  readonly hot: boolean
  readonly insert: Call<[name: string, isoPath: string]>
  readonly eject: Call<[name: string]>
  readonly attach: Call<[name: string, device: DeviceSpec]>
  readonly detach: Call<[name: string, deviceId: string]>
}

const none = () => Effect.void

export const deviceWork = (operation: string, capability: Capability) => (context: VmRecordContext) =>
  Effect.gen(function* () {
    const driver = yield* driverFor(context.vm)
    const hot = context.vm.state === "running"
    const group = capability === "iso" ? driver.media : driver.hostDevices
    if (hot && (group === undefined || !driver.capabilities.has(capability))) {
      return yield* new DriverError({ driver: driver.name, operation, reason: new Unsupported({ capability }) })
    }
    const mode = <A extends ReadonlyArray<unknown>>(call: Call<A> | undefined): Call<A> =>
      call === undefined ? none : hot ? call : (...args: A) => ignoreMissing(call(...args))
    const work: DeviceWork = {
      driver,
      hot,
      insert: mode(driver.media?.insert),
      eject: mode(driver.media?.eject),
      attach: mode(driver.hostDevices?.attach),
      detach: mode(driver.hostDevices?.detach),
    }
    return work
  })

/** A recorded host device as the driver gets it: QEMU names USB by port, libvirt by ids; a GPU by PCI address. */
export const deviceSpecOf = (device: HostDevice): DeviceSpec => ({
  id: device.id,
  kind: device.kind,
  hostAddress: device.address,
  vendorId: device.vendorId,
  productId: device.productId,
})

/**
 * B6: everything external leaves a VM that has just stopped (a single stop that asked for it): the disc is ejected,
 * USB devices and GPUs leave its definition and are free on the host again, each GPU given back to its host driver.
 */
export const detachExternalDevices = (driver: Driver, source: HostDeviceSource["Service"], vm: Vm) =>
  Effect.gen(function* () {
    const store = yield* Store
    const devices = yield* store.hostDevices.list({ vmId: vm.id })
    for (const device of devices) {
      if (driver.hostDevices) yield* ignoreMissing(driver.hostDevices.detach(vm.hostname, device.id))
      if (device.kind === "gpu") yield* source.releaseVfio(device.address)
    }
    yield* store.hostDevices.release(
      devices.map((device) => device.id),
      vm.id,
    )
    if (vm.isoImageId !== null) {
      if (driver.media) yield* ignoreMissing(driver.media.eject(vm.hostname))
      yield* store.vms.update(vm.id, { isoImageId: null })
    }
    return { devices: devices.map((device) => device.id), iso: vm.isoImageId }
  })
