import assert from "node:assert/strict"
import { afterEach, describe, it } from "node:test"
import { Effect } from "effect"
import { makeHostDeviceSource } from "./index.ts"
import { type FakeSysfs, gpuHostTree } from "./testing/fake-sysfs.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect))

describe("host devices from sysfs", () => {
  let tree: FakeSysfs | undefined
  afterEach(() => tree?.cleanup())

  it("X1 X4 finds GPUs by PCI class with IOMMU group and driver, and USB devices by bus-port; hubs left out", async () => {
    tree = gpuHostTree()
    const found = await run(makeHostDeviceSource(tree.root).scan)
    assert.deepEqual(found, [
      {
        kind: "gpu",
        address: "0000:00:02.0",
        vendorId: "1234",
        productId: "1111",
        vendor: "QEMU",
        model: "device 1111",
        iommuGroup: null,
        driver: null,
      },
      {
        kind: "gpu",
        address: "0000:01:00.0",
        vendorId: "10de",
        productId: "1eb8",
        vendor: "NVIDIA",
        model: "device 1eb8",
        iommuGroup: "12",
        driver: "nvidia",
      },
      {
        kind: "usb",
        address: "1-2",
        vendorId: "0781",
        productId: "5581",
        vendor: "SanDisk",
        model: "Ultra",
        iommuGroup: null,
        driver: "usb-storage",
      },
      {
        kind: "usb",
        address: "2-1.4",
        vendorId: "1050",
        productId: "0407",
        vendor: "Yubico",
        model: "YubiKey",
        iommuGroup: null,
        driver: null,
      },
    ])
  })

  it("X1 a host without IOMMU shows its GPU with no group", async () => {
    tree = gpuHostTree({ iommu: false })
    const gpus = (await run(makeHostDeviceSource(tree.root).scan)).filter((device) => device.kind === "gpu")
    assert.deepEqual(
      gpus.map((gpu) => [gpu.address, gpu.iommuGroup]),
      [
        ["0000:00:02.0", null],
        ["0000:01:00.0", null],
      ],
    )
  })

  it("an empty or missing sysfs is a host without devices", async () => {
    assert.deepEqual(await run(makeHostDeviceSource("/nonexistent-hx-root").scan), [])
  })

  it("X1 binds every function of the GPU's IOMMU group to vfio-pci: driver_override, unbind, bind", async () => {
    tree = gpuHostTree()
    await run(makeHostDeviceSource(tree.root).bindVfio("0000:01:00.0"))
    for (const address of ["0000:01:00.0", "0000:01:00.1"]) {
      assert.equal(tree.read("bus", "pci", "devices", address, "driver_override"), "vfio-pci")
    }
    assert.equal(tree.read("bus", "pci", "drivers", "nvidia", "unbind"), "0000:01:00.0")
    assert.equal(tree.read("bus", "pci", "drivers", "snd_hda_intel", "unbind"), "0000:01:00.1")
    // one write per call: the last one is the audio function's, the GPU's went first
    assert.equal(tree.read("bus", "pci", "drivers", "vfio-pci", "bind"), "0000:01:00.1")
  })

  it("X2 gives the GPU back: override cleared, vfio-pci lets go, the kernel probes the host driver", async () => {
    tree = gpuHostTree()
    const source = makeHostDeviceSource(tree.root)
    await run(source.releaseVfio("0000:01:00.0"))
    assert.equal(tree.read("bus", "pci", "devices", "0000:01:00.0", "driver_override"), "\n")
    assert.equal(tree.read("bus", "pci", "drivers_probe"), "0000:01:00.1")
    assert.equal(
      tree.read("bus", "pci", "drivers", "vfio-pci", "unbind"),
      "",
      "not bound to vfio-pci: nothing to unbind",
    )
  })

  it("X1 refuses a GPU without IOMMU group, and a host without the vfio-pci driver, writing nothing", async () => {
    tree = gpuHostTree({ iommu: false })
    const noGroup = await failure(makeHostDeviceSource(tree.root).bindVfio("0000:01:00.0"))
    assert.match(noGroup.message, /no IOMMU group/)
    assert.equal(tree.read("bus", "pci", "devices", "0000:01:00.0", "driver_override"), "(null)\n")
    tree.cleanup()
    tree = gpuHostTree({ vfioLoaded: false })
    const noVfio = await failure(makeHostDeviceSource(tree.root).bindVfio("0000:01:00.0"))
    assert.match(noVfio.message, /vfio-pci driver is not loaded/)
    assert.equal(tree.read("bus", "pci", "devices", "0000:01:00.0", "driver_override"), "(null)\n")
  })
})
