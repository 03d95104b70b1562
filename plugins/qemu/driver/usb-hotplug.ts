import { Effect } from "effect"
import { FIXED_IDS } from "../argv/names.ts"
import { type DeviceOptions, deleteDevice, deviceAdd } from "../qmp/commands/devices.ts"
import { hasErrorClass, type QmpError } from "../qmp/errors.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"

/** A removal of something QEMU no longer has is done already. */
export const unlessGone = (effect: Effect.Effect<void, QmpError>) =>
  effect.pipe(
    Effect.catchIf(
      (error) => hasErrorClass(error, "DeviceNotFound") || /not found|cannot find/i.test(error.message),
      () => Effect.void,
    ),
  )

/**
 * The one way a USB device joins a running VM (X4): device_add on the VM's xhci controller, whatever the device is
 * (usb-host for the host's devices; the tests plug an emulated usb-storage here to watch the guest see it).
 */
export const plugUsb = (monitor: QmpMonitor, device: DeviceOptions) =>
  deviceAdd(monitor, { ...device, bus: `${FIXED_IDS.usb}.0` })

/** A USB device leaves at once (no guest acknowledgement); DEVICE_DELETED follows, and is waited for. */
export const unplugUsb = (monitor: QmpMonitor, id: string) => unlessGone(deleteDevice(monitor, id))
