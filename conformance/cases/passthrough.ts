import { Effect } from "effect"
import { defineCase } from "../case.ts"
import { check } from "../failure.ts"

/** Why a passthrough case cannot prove anything on this host: said so, never counted as a pass. */
export const NOT_PROVABLE = "not provable here"

/**
 * X1, X4 (#19): passthrough needs real hardware: a free USB device on the host, a GPU in an IOMMU group. Without
 * one in the run's config the cases are skipped as "not provable here"; the argv and XML are golden-tested and the
 * hot-plug path is exercised on real QEMU elsewhere (agent/routes/vm-devices.qemu.test.ts), and an emulated USB stick
 * hot-plugged through it is read inside a guest under QEMU and libvirt (plugins/qemu/driver/usb-guest.qemu.test.ts,
 * plugins/libvirt/usb.qemu.test.ts).
 */
export const passthroughCases = [
  defineCase({
    id: "passthrough.usb-hotplug",
    capability: "usbPassthrough",
    title: "a host USB device hot-plugs into a running domain and leaves it; repeating either is a no-op",
    applies: (_driver, config) =>
      config.passthrough.usb === undefined
        ? `${NOT_PROVABLE}: no free host USB device given (config.passthrough.usb)`
        : undefined,
    run: (t) =>
      Effect.gen(function* () {
        const usb = t.config.passthrough.usb
        if (usb === undefined) return
        const devices = yield* t.group("hostDevices")
        const vm = yield* t.vm({ shared: true })
        yield* t.step("attach the USB device", devices.attach(vm.name, usb))
        yield* t.step("attach it again", devices.attach(vm.name, usb))
        yield* t.step("detach it", devices.detach(vm.name, usb.id))
        yield* t.step("detach it again", devices.detach(vm.name, usb.id))
        yield* check((yield* t.power(vm.name)) === "running", `${vm.name} did not stay running`)
      }),
  }),
  defineCase({
    id: "passthrough.gpu",
    capability: "pciPassthrough",
    title: "a GPU joins a stopped domain, which then starts with it, and leaves it once stopped",
    applies: (_driver, config) =>
      config.passthrough.gpu === undefined
        ? `${NOT_PROVABLE}: no GPU in an IOMMU group given (config.passthrough.gpu)`
        : undefined,
    run: (t) =>
      Effect.gen(function* () {
        const gpu = t.config.passthrough.gpu
        if (gpu === undefined) return
        const devices = yield* t.group("hostDevices")
        const vm = yield* t.vm()
        yield* t.step("attach the GPU", devices.attach(vm.name, gpu))
        yield* t.step("start with it", t.driver.start(vm.name))
        yield* check((yield* t.power(vm.name)) === "running", `${vm.name} did not start with its GPU`)
        yield* t.step("stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 10_000 }))
        yield* t.step("detach the GPU", devices.detach(vm.name, gpu.id))
      }),
  }),
]
