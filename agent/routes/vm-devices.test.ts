import assert from "node:assert/strict"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "../../core/index.ts"
import { sampleRows, storeBackends } from "../../core/store/testing.ts"
import { makeHostDeviceSource } from "../../plugins/host-devices/index.ts"
import { gpuHostTree } from "../../plugins/host-devices/testing/fake-sysfs.ts"
import { useAgent, type Who } from "../testing/harness.ts"

interface DeviceView {
  readonly id: string
  readonly kind: string
  readonly address: string
  readonly vmId: string | null
}

for (const backend of storeBackends) {
  describe(`bound resources: ISO, USB, GPU, detach on stop (X1–X4, B6) on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    const tree = gpuHostTree()
    after(() => tree.cleanup())
    const agent = useAgent(backend, { devices: makeHostDeviceSource(tree.root) })
    const store = <A, E>(use: (s: Store["Service"]) => Effect.Effect<A, E>) => agent.run(Store.use(use))
    const devices = async () => {
      const reply = await agent.call("POST", `/api/v1/hosts/${agent.world.host.id}/devices/refresh`, {
        as: "superadmin",
      })
      return reply.body.items as Array<DeviceView>
    }
    const device = async (address: string) => {
      const found = (await devices()).find((d) => d.address === address)
      assert.ok(found, address)
      return found
    }
    const spec = async (hostname: string) => agent.run(agent.fake.driver.inspect(hostname).pipe(Effect.option))
    /** An action's reply; a 202's task settled. */
    const act = async (method: string, path: string, body: unknown = {}, as: Who = "owner") => {
      const reply = await agent.call(method, `/api/v1/vms/${path}`, { body, as })
      if (reply.status !== 202) return { status: reply.status, rule: reply.body.error?.rule as string, task: undefined }
      return { status: 202, rule: undefined, task: await agent.settle(reply.body.task.id) }
    }
    const running = async () => {
      const vm = await agent.seedVm()
      const started = await act("POST", `${vm.id}/start`)
      assert.equal(started.task?.state, "succeeded")
      return vm
    }
    const gpuFlavor = () => store((s) => s.flavors.insert(sampleRows.flavor({ gpuAllowed: true })))
    const isoImage = () =>
      store((s) => s.images.insert(sampleRows.image({ name: "tools", format: "iso", location: "/srv/iso/tools.iso" })))

    it("X3 an ISO goes into a running VM's tray and out again; named refusals for the rest", async () => {
      const vm = await running()
      const iso = await isoImage()
      const attached = await act("POST", `${vm.id}/iso`, { imageId: iso.id })
      assert.equal(attached.task?.state, "succeeded", JSON.stringify(attached))
      assert.equal((await store((s) => s.vms.get(vm.id))).isoImageId, iso.id)
      const twice = await act("POST", `${vm.id}/iso`, { imageId: iso.id })
      assert.deepEqual([twice.status, twice.rule], [409, "iso-already-attached"])
      const ejected = await act("DELETE", `${vm.id}/iso`)
      assert.equal(ejected.task?.state, "succeeded")
      assert.equal((await store((s) => s.vms.get(vm.id))).isoImageId, null)
      const none = await act("DELETE", `${vm.id}/iso`)
      assert.deepEqual([none.status, none.rule], [409, "iso-attached"])
      const notIso = await act("POST", `${vm.id}/iso`, { imageId: agent.world.image.id })
      assert.deepEqual([notIso.status, notIso.rule], [422, "image-is-iso"])
      const outsider = await act("POST", `${vm.id}/iso`, { imageId: iso.id }, "outsider")
      assert.equal(outsider.status, 404)
    })

    it("X4 a free USB device hot-plugs into a running VM and leaves; the VM's definition follows", async () => {
      const vm = await running()
      const key = await device("1-2")
      const attached = await act("POST", `${vm.id}/usb`, { deviceId: key.id })
      assert.equal(attached.task?.state, "succeeded", JSON.stringify(attached))
      assert.equal((await device("1-2")).vmId, vm.id)
      assert.ok((await spec(vm.hostname))._tag === "Some")
      const other = await running()
      const taken = await act("POST", `${other.id}/usb`, { deviceId: key.id })
      assert.deepEqual([taken.status, taken.rule], [409, "no-free-usb"])
      // F9: a VM that holds no USB device has none to detach, as its detail's detach-usb says
      const notHeld = await act("DELETE", `${other.id}/usb/${key.id}`)
      assert.deepEqual([notHeld.status, notHeld.rule], [409, "usb-attached"])
      const gpu = await device("0000:01:00.0")
      const gpuAsUsb = await act("POST", `${vm.id}/usb`, { deviceId: gpu.id })
      assert.deepEqual([gpuAsUsb.status, gpuAsUsb.rule], [409, "no-free-usb"])
      const detached = await act("DELETE", `${vm.id}/usb/${key.id}`)
      assert.equal(detached.task?.state, "succeeded")
      assert.equal((await device("1-2")).vmId, null)
    })

    it("X4 two VMs asking for one USB device at once: exactly one gets it", async () => {
      const key = await device("2-1.4")
      const [a, b] = await Promise.all([agent.seedVm(), agent.seedVm()])
      const replies = await Promise.all([a, b].map((vm) => act("POST", `${vm.id}/usb`, { deviceId: key.id })))
      const winners = replies.filter((reply) => reply.task?.state === "succeeded")
      assert.equal(winners.length, 1, JSON.stringify(replies))
      assert.deepEqual(
        replies.filter((reply) => reply.status !== 202).map((reply) => reply.rule),
        ["no-free-usb"],
      )
      const holder = (await device("2-1.4")).vmId
      assert.ok(holder === a.id || holder === b.id)
      await act("DELETE", `${holder}/usb/${key.id}`)
    })

    it("X1 a GPU for a stopped VM whose flavor allows it: bound to vfio-pci through sysfs; refusals by rule", async () => {
      const flavor = await gpuFlavor()
      const on = await running()
      const model = { model: "10de:1eb8", count: 1 }
      const whileRunning = await act("POST", `${on.id}/gpus`, model)
      assert.equal(whileRunning.status, 409)
      const plain = await agent.seedVm()
      const noFlavor = await act("POST", `${plain.id}/gpus`, model)
      assert.deepEqual([noFlavor.status, noFlavor.rule], [409, "gpu-not-allowed-by-flavor"])
      const vm = await agent.seedVm({ flavorId: flavor.id })
      const tooMany = await act("POST", `${vm.id}/gpus`, { model: "10de:1eb8", count: 2 })
      assert.deepEqual([tooMany.status, tooMany.rule], [409, "no-free-gpu"])
      const noIommu = await act("POST", `${vm.id}/gpus`, { model: "1234:1111", count: 1 })
      assert.deepEqual([noIommu.status, noIommu.rule], [409, "no-free-gpu"], "QEMU's VGA has no IOMMU group")
      const attached = await act("POST", `${vm.id}/gpus`, model)
      assert.equal(attached.task?.state, "succeeded", JSON.stringify(attached))
      const gpu = await device("0000:01:00.0")
      assert.equal(gpu.vmId, vm.id)
      assert.equal(tree.read("bus", "pci", "devices", "0000:01:00.0", "driver_override"), "vfio-pci")
      assert.equal(tree.read("bus", "pci", "devices", "0000:01:00.1", "driver_override"), "vfio-pci")
      // the next start passes it through
      const started = await act("POST", `${vm.id}/start`)
      assert.equal(started.task?.state, "succeeded")
      const domain = await spec(vm.hostname)
      assert.ok(domain._tag === "Some")
      // X2: detaching from the running VM shuts it down first, then gives the GPU back to the host
      const detached = await act("DELETE", `${vm.id}/gpus/${gpu.id}`)
      assert.equal(detached.task?.state, "succeeded", JSON.stringify(detached))
      assert.equal((await store((s) => s.vms.get(vm.id))).state, "stopped")
      assert.equal((await device("0000:01:00.0")).vmId, null)
      assert.equal(tree.read("bus", "pci", "drivers_probe"), "0000:01:00.1")
    })

    it("X1 two VMs asking for the host's one free GPU at once: exactly one gets it (conditional claim)", async () => {
      const flavor = await gpuFlavor()
      const vms = await Promise.all([1, 2, 3].map(() => agent.seedVm({ flavorId: flavor.id })))
      const replies = await Promise.all(vms.map((vm) => act("POST", `${vm.id}/gpus`, { model: "10de:1eb8", count: 1 })))
      assert.equal(replies.filter((reply) => reply.task?.state === "succeeded").length, 1, JSON.stringify(replies))
      assert.ok(replies.filter((reply) => reply.status !== 202).every((reply) => reply.rule === "no-free-gpu"))
      const holder = (await device("0000:01:00.0")).vmId
      assert.ok(vms.some((vm) => vm.id === holder))
      const gpu = await device("0000:01:00.0")
      assert.equal((await act("DELETE", `${holder}/gpus/${gpu.id}`)).task?.state, "succeeded")
    })

    it("B6 a single stop may detach USB and ISO; a batch stop may not", async () => {
      const vm = await running()
      const key = await device("1-2")
      const iso = await isoImage()
      assert.equal((await act("POST", `${vm.id}/usb`, { deviceId: key.id })).task?.state, "succeeded")
      assert.equal((await act("POST", `${vm.id}/iso`, { imageId: iso.id })).task?.state, "succeeded")
      const batch = await agent.call("POST", "/api/v1/batch", {
        body: { action: "stop", vmIds: [vm.id], detachDevices: true },
      })
      assert.equal(batch.status, 202, JSON.stringify(batch.body))
      assert.deepEqual(
        batch.body.outcomes.map((o: { status: string; rule?: string }) => [o.status, o.rule]),
        [["refused", "detach-devices-single-stop"]],
      )
      assert.equal((await device("1-2")).vmId, vm.id, "the refused batch changed nothing")
      const stopped = await act("POST", `${vm.id}/stop`, { detachDevices: true })
      assert.equal(stopped.task?.state, "succeeded", JSON.stringify(stopped))
      assert.equal((await device("1-2")).vmId, null)
      assert.equal((await store((s) => s.vms.get(vm.id))).isoImageId, null)
    })
  })
}
