import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { makeHostDeviceSource } from "../../plugins/host-devices/index.ts"
import { gpuHostTree } from "../../plugins/host-devices/testing/fake-sysfs.ts"
import { useAgent } from "../testing/harness.ts"

interface DeviceView {
  readonly id: string
  readonly kind: string
  readonly address: string
  readonly vendor: string
  readonly iommuGroup: string | null
  readonly driver: string | null
  readonly present: boolean
  readonly vmId: string | null
}

for (const backend of storeBackends) {
  describe(`host devices: inventory from sysfs (X1, X4) on ${backend.name}`, { skip: backend.skip }, () => {
    const tree = gpuHostTree()
    after(() => tree.cleanup())
    const agent = useAgent(backend, { devices: makeHostDeviceSource(tree.root) })
    const path = () => `/api/v1/hosts/${agent.world.host.id}/devices`
    const refresh = async () => {
      const reply = await agent.call("POST", `${path()}/refresh`, { as: "superadmin" })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      return reply.body.items as Array<DeviceView>
    }

    it("X1 X4 a superadmin's refresh records the GPUs and USB devices; every caller lists them", async () => {
      const items = await refresh()
      assert.deepEqual(
        items.map((d) => [d.kind, d.address, d.vendor, d.iommuGroup, d.driver, d.vmId]),
        [
          ["gpu", "0000:00:02.0", "QEMU", null, null, null],
          ["gpu", "0000:01:00.0", "NVIDIA", "12", "nvidia", null],
          ["usb", "1-2", "SanDisk", null, "usb-storage", null],
          ["usb", "2-1.4", "Yubico", null, null, null],
        ],
      )
      const listed = await agent.call("GET", path(), { as: "owner" })
      assert.deepEqual(listed.body.items, items)
      const again = await refresh()
      assert.deepEqual(again, items, "a second refresh changes nothing: same ids")
      const host = await agent.call("GET", `/api/v1/hosts/${agent.world.host.id}`)
      assert.equal(host.body.usage.gpusFree, 1, "the VGA without IOMMU group is not free for passthrough")
      assert.equal(host.body.usage.usbFree, 2)
    })

    it("X1 X4 refresh is the superadmin's, on the host's own agent: named refusals, nothing changed", async () => {
      for (const who of ["owner", "admin"] as const) {
        const refused = await agent.call("POST", `${path()}/refresh`, { as: who })
        assert.equal(refused.status, 403)
        assert.equal(refused.body.error.rule, "superadmin-only")
      }
      const other = await agent.run(
        Store.use((s) => s.hosts.insert({ ...agent.world.host, id: randomUUID(), name: `other-${randomUUID()}` })),
      )
      const elsewhere = await agent.call("POST", `/api/v1/hosts/${other.id}/devices/refresh`, { as: "superadmin" })
      assert.equal(elsewhere.status, 409)
      assert.equal(elsewhere.body.error.rule, "inventory-on-own-host")
      assert.deepEqual((await agent.call("GET", `/api/v1/hosts/${other.id}/devices`)).body.items, [])
      assert.equal((await agent.call("GET", `/api/v1/hosts/${randomUUID()}/devices`)).status, 404)
    })

    it("X4 a device unplugged while free is forgotten; one a VM holds stays, marked absent", async () => {
      const before = await refresh()
      const vm = await agent.seedVm({ hostId: agent.world.host.id })
      const yubikey = before.find((d) => d.address === "2-1.4")
      const sandisk = before.find((d) => d.address === "1-2")
      assert.ok(yubikey && sandisk)
      await agent.run(Store.use((s) => s.hostDevices.update(yubikey.id, { vmId: vm.id })))
      for (const address of ["1-2", "2-1.4"])
        rmSync(join(tree.root, "sys/bus/usb/devices", address), { recursive: true })
      const items = await refresh()
      assert.equal(
        items.some((d) => d.id === sandisk.id),
        false,
      )
      const held = items.find((d) => d.id === yubikey.id)
      assert.deepEqual([held?.present, held?.vmId], [false, vm.id])
    })
  })
}
