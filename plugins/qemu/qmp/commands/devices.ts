import { Effect } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { runVoid } from "./run.ts"

/** device_add's arguments: the driver, our id, and the driver's own properties in QEMU's spelling. */
export interface DeviceOptions {
  readonly driver: string
  readonly id: string
  readonly [property: string]: unknown
}

export const deviceAdd = (monitor: QmpMonitor, options: DeviceOptions, callOptions?: CallOptions) =>
  runVoid(monitor, "device_add", options, callOptions)

/** Asks for the device's removal; it is gone only once DEVICE_DELETED arrives (see deleteDevice). */
export const deviceDel = (monitor: QmpMonitor, id: string, callOptions?: CallOptions) =>
  runVoid(monitor, "device_del", { id }, callOptions)

/**
 * device_del, then waits for DEVICE_DELETED of that id. USB devices go at once; PCI devices (virtio-blk-pci,
 * virtio-net-pci) wait for the guest to acknowledge the unplug, so a guest that is not running (paused, started
 * with -S, no OS) never lets them go: that ends in QmpTimeout (the request stays pending in QEMU, and a later
 * device_del of the same id fails with "… is already in the process of unplug").
 */
export const deleteDevice = Effect.fn("Qmp.deleteDevice")(function* (
  monitor: QmpMonitor,
  id: string,
  options: CallOptions = {},
): Effect.fn.Return<void, QmpError> {
  yield* monitor.triggerAndAwait(deviceDel(monitor, id), "DEVICE_DELETED", (event) => event.device === id, options)
})
