import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Vm } from "../model/vm.ts"
import {
  type DeviceContext,
  deviceAttached,
  deviceRules,
  deviceVmRules,
  type GpuAttachContext,
  gpuAttached,
  imageIsIso,
  isoAlreadyAttached,
  isoAttached,
  noFreeGpu,
  noFreeUsb,
  sshKeyLoginOnly,
  usbAttached,
} from "./devices.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleFacts,
  sampleFlavor,
  sampleHostDevice,
  sampleImage,
  sampleKeyPair,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const gpu = (overrides: Partial<GpuAttachContext> = {}): GpuAttachContext => ({
  ...sampleVmContext({ vm: sampleVm({ state: "stopped" }) }),
  flavor: sampleFlavor({ gpuAllowed: true }),
  count: 1,
  freeGpus: 2,
  ...overrides,
})
const device = (overrides: Partial<DeviceContext["device"]> = {}, vm: Partial<Vm> = {}): DeviceContext => ({
  ...sampleVmContext({ vm: sampleVm(vm) }),
  device: sampleHostDevice(overrides),
})
const iso = sampleImage({ id: "iso-1", name: "virtio-win", format: "iso" })

describe("device rules", () => {
  it("X1 no-free-gpu: allows when the host has enough free GPUs", () => assertAllows(noFreeGpu, gpu({ count: 2 })))
  it("X1 no-free-gpu: refuses when the host has too few", () => assertRefuses(noFreeGpu, gpu({ count: 3 })))

  it("X4 no-free-usb: allows a free USB device of the VM's host", () => assertAllows(noFreeUsb, device()))
  it("X4 no-free-usb: refuses a device already in use", () => assertRefuses(noFreeUsb, device({ vmId: "vm-9" })))
  it("X4 no-free-usb: refuses a device of another host", () => assertRefuses(noFreeUsb, device({ hostId: "host-2" })))

  const holding = (gpus: number, usbDevices: number) => sampleVmContext({ facts: sampleFacts({ gpus, usbDevices }) })
  it("X2 F9 gpu-attached: allows a VM with a GPU", () => assertAllows(gpuAttached, holding(1, 0)))
  it("X2 F9 gpu-attached: refuses a VM without any", () => assertRefuses(gpuAttached, holding(0, 1)))
  it("X4 F9 usb-attached: allows a VM with a USB device", () => assertAllows(usbAttached, holding(0, 1)))
  it("X4 F9 usb-attached: refuses a VM without any", () => assertRefuses(usbAttached, holding(1, 0)))
  it("X2 X4 F9 a detach is offered only for what the VM holds", () => {
    const stopped = (gpus: number, usbDevices: number) => ({
      ...holding(gpus, usbDevices),
      vm: sampleVm({ state: "stopped" }),
    })
    assert.equal(refusedBy(deviceVmRules["detach-gpu"], stopped(0, 0)), "gpu-attached")
    assert.equal(refusedBy(deviceVmRules["detach-usb"], stopped(0, 0)), "usb-attached")
    assert.equal(refusedBy(deviceVmRules["detach-gpu"], stopped(1, 0)), undefined)
    assert.equal(refusedBy(deviceVmRules["detach-usb"], stopped(0, 1)), undefined)
  })

  it("X2 X4 device-attached: allows a device of this VM", () => assertAllows(deviceAttached, device({ vmId: "vm-1" })))
  it("X2 X4 device-attached: refuses a device of another VM", () =>
    assertRefuses(deviceAttached, device({ vmId: "vm-2" })))

  it("X3 image-is-iso: allows an ISO", () => assertAllows(imageIsIso, { ...sampleVmContext(), image: iso }))
  it("X3 image-is-iso: refuses a disk image", () =>
    assertRefuses(imageIsIso, { ...sampleVmContext(), image: sampleImage() }))

  it("X3 iso-already-attached: allows an empty CD-ROM", () => assertAllows(isoAlreadyAttached, sampleVmContext()))
  it("X3 iso-already-attached: refuses a second ISO", () =>
    assertRefuses(isoAlreadyAttached, sampleVmContext({ vm: sampleVm({ isoImageId: "iso-1" }) })))
  it("X3 iso-attached: allows detaching an attached ISO", () =>
    assertAllows(isoAttached, sampleVmContext({ vm: sampleVm({ isoImageId: "iso-1" }) })))
  it("X3 iso-attached: refuses detaching when none is attached", () => assertRefuses(isoAttached, sampleVmContext()))

  it("X5 ssh-key-login-only: allows a VM with SSH key login", () =>
    assertAllows(sshKeyLoginOnly, sampleVmContext({ vm: sampleVm({ loginMethod: "ssh-key" }) })))
  it("X5 R13 ssh-key-login-only: refuses a VM with password login", () =>
    assertRefuses(sshKeyLoginOnly, sampleVmContext()))
})

describe("device rule lists", () => {
  it("X1 attach-gpu: a stopped VM with a GPU flavor and a free GPU", () =>
    assert.equal(refusedBy(deviceRules["attach-gpu"], gpu()), undefined))
  it("X1 attach-gpu: refused while running (the manual's GPU note)", () =>
    assert.equal(refusedBy(deviceRules["attach-gpu"], gpu({ vm: sampleVm() })), "stopped-only"))
  it("X1 gpu-not-allowed-by-flavor: refused with a flavor without GPUs", () =>
    assert.equal(refusedBy(deviceRules["attach-gpu"], gpu({ flavor: sampleFlavor() })), "gpu-not-allowed-by-flavor"))
  it("X2 detach-gpu: a running VM may detach (it is shut down first)", () => {
    const held = { ...device({ kind: "gpu", vmId: "vm-1" }, { state: "running" }), facts: sampleFacts({ gpus: 1 }) }
    assert.equal(refusedBy(deviceRules["detach-gpu"], held), undefined)
  })
  it("X3 attach-iso: an ISO of the department on an empty drive", () => {
    assert.equal(refusedBy(deviceRules["attach-iso"], { ...sampleVmContext(), image: iso }), undefined)
    const foreign = { ...iso, departmentId: "dept-2" }
    assert.equal(refusedBy(deviceRules["attach-iso"], { ...sampleVmContext(), image: foreign }), "image-available")
  })
  it("X5 ssh-keys: stopped, Linux, SSH key login, the owner's keys", () => {
    const keys = (vm: Partial<Vm>, keyPairs = [sampleKeyPair()], osFamily: "linux" | "windows" = "linux") => ({
      ...sampleVmContext({ vm: sampleVm({ state: "stopped", loginMethod: "ssh-key", ...vm }), osFamily }),
      keyPairs,
    })
    assert.equal(refusedBy(deviceRules["ssh-keys"], keys({})), undefined)
    assert.equal(refusedBy(deviceRules["ssh-keys"], keys({ state: "running" })), "stopped-only")
    assert.equal(refusedBy(deviceRules["ssh-keys"], keys({}, undefined, "windows")), "linux-only")
    assert.equal(refusedBy(deviceRules["ssh-keys"], keys({ loginMethod: "password" })), "ssh-key-login-only")
    assert.equal(refusedBy(deviceRules["ssh-keys"], keys({}, [])), "key-pair-required")
    assert.equal(refusedBy(deviceRules["ssh-keys"], keys({}, [sampleKeyPair({ userId: "u-9" })])), "key-pair-owner")
  })
})
