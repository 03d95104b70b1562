import { Effect } from "effect"
import type { Actor, VmContext } from "../../rules/context.ts"
import { type DeviceContext, deviceRules, noFreeUsb } from "../../rules/devices.ts"
import { violation } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { type DeviceWork, deviceSpecOf, deviceWork } from "./work.ts"

/** The device a caller names, with the VM it is asked for (X1, X2, X4). */
export const deviceContext = (base: VmContext, deviceId: string) =>
  Effect.map(
    Store.use((store) => store.hostDevices.get(deviceId)),
    (device): DeviceContext => ({ ...base, device }),
  )

type UsbOperation = VmOperation<
  "full",
  string,
  DeviceContext,
  DeviceWork,
  BackgroundWork<DeviceContext, DeviceWork, void>
>

const giveBack = ({ device, vm }: DeviceContext) => Store.use((store) => store.hostDevices.release([device.id], vm.id))

/**
 * X4: a free USB device of the VM's host: hot-plugged (usb-host on the VM's xhci controller) while it runs, else in
 * its definition for the next start. Claimed first in one conditional write, so of two VMs asking at once exactly one
 * gets it (the other: no-free-usb); a failed plug gives it back.
 */
export const attachUsbOperation: UsbOperation = {
  operation: "vm.attach-usb",
  reads: "full",
  context: deviceContext,
  rules: deviceRules["attach-usb"],
  prepare: deviceWork("hostDevices.attach", "usbPassthrough"),
  task: ({ device }) => ({ targetId: device.id, params: { deviceId: device.id, address: device.address } }),
  work: {
    kind: "background",
    record: (context) =>
      Effect.gen(function* () {
        const claimed = yield* Store.use((store) => store.hostDevices.claim([context.device.id], context.vm.id))
        if (claimed === undefined) return yield* violation("vm.attach-usb", noFreeUsb, context)
      }),
    discard: giveBack,
    run: ({ vm, device }, work, recorded) =>
      Effect.gen(function* () {
        yield* recorded
        yield* work.attach(vm.hostname, deviceSpecOf(device))
        return { deviceId: device.id, hot: work.hot }
      }),
    onFailure: giveBack,
  },
}

/** X4: unplugged from the VM (at once: USB needs no guest acknowledgement), then free on its host again. */
export const detachUsbOperation: UsbOperation = {
  operation: "vm.detach-usb",
  reads: "full",
  context: deviceContext,
  rules: deviceRules["detach-usb"],
  prepare: deviceWork("hostDevices.detach", "usbPassthrough"),
  task: ({ device }) => ({ targetId: device.id, params: { deviceId: device.id, address: device.address } }),
  work: {
    kind: "background",
    run: (context, work) =>
      Effect.gen(function* () {
        yield* work.detach(context.vm.hostname, context.device.id)
        yield* giveBack(context)
        return { deviceId: context.device.id, hot: work.hot }
      }),
  },
}

export const attachUsb = (actor: Actor, vmId: string, deviceId: string) =>
  runVmOperation(attachUsbOperation, actor, vmId, deviceId)

export const detachUsb = (actor: Actor, vmId: string, deviceId: string) =>
  runVmOperation(detachUsbOperation, actor, vmId, deviceId)
