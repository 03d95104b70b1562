import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { sampleRows, storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`tasks, flavors, images and hosts on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("G4 a user's tasks, newest first and filtered by state; one task in detail; others' tasks are 404", async () => {
      const vm = await agent.seedVm()
      const started = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
      await agent.settle(started.body.task.id)
      const stopped = await agent.call("POST", `/api/v1/vms/${vm.id}/stop`)
      await agent.settle(stopped.body.task.id)
      const mine = await agent.call("GET", `/api/v1/tasks?vmId=${vm.id}`)
      assert.deepEqual(
        mine.body.items.map((t: { operation: string }) => t.operation),
        ["vm.stop", "vm.start"],
      )
      const succeeded = await agent.call("GET", "/api/v1/tasks?state=succeeded&limit=500")
      assert.ok(succeeded.body.items.every((t: { state: string; userId: string }) => t.state === "succeeded"))
      assert.ok(succeeded.body.items.every((t: { userId: string }) => t.userId === agent.users.owner.id))
      const one = await agent.call("GET", `/api/v1/tasks/${started.body.task.id}`)
      assert.deepEqual([one.body.operation, one.body.state, one.body.userId], ["vm.start", "succeeded", vm.ownerId])
      const foreign = await agent.call("GET", `/api/v1/tasks/${started.body.task.id}`, { as: "outsider" })
      assert.equal(foreign.status, 404)
      const foreignList = await agent.call("GET", `/api/v1/tasks?vmId=${vm.id}`, { as: "outsider" })
      assert.equal(foreignList.status, 404)
      assert.equal((await agent.call("GET", "/api/v1/tasks?state=done")).status, 400)
    })

    it("G4 an owner sees every task of their VM, also one an admin started", async () => {
      const vm = await agent.seedVm()
      const byAdmin = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, { as: "admin" })
      await agent.settle(byAdmin.body.task.id)
      const seen = await agent.call("GET", `/api/v1/tasks/${byAdmin.body.task.id}`)
      assert.equal(seen.status, 200)
      assert.equal(seen.body.userId, agent.users.admin.id)
    })

    it("C3 flavors; C2 images: public ones and the caller's department's, another department's is 404", async () => {
      const flavors = await agent.call("GET", "/api/v1/flavors")
      assert.ok(flavors.body.items.some((f: { id: string }) => f.id === agent.world.flavor.id))
      const flavor = await agent.call("GET", `/api/v1/flavors/${agent.world.flavor.id}`)
      assert.equal(flavor.body.name, "tiny")
      assert.equal((await agent.call("GET", "/api/v1/flavors/nope")).status, 404)
      const [ops, sales] = agent.world.departments
      const own = await agent.run(Store.use((s) => s.images.insert(sampleRows.image({ departmentId: ops.id }))))
      const other = await agent.run(Store.use((s) => s.images.insert(sampleRows.image({ departmentId: sales.id }))))
      const ids = (await agent.call("GET", "/api/v1/images")).body.items.map((i: { id: string }) => i.id)
      assert.ok(ids.includes(agent.world.image.id) && ids.includes(own.id))
      assert.ok(!ids.includes(other.id))
      assert.equal((await agent.call("GET", `/api/v1/images/${other.id}`)).status, 404)
      assert.equal((await agent.call("GET", `/api/v1/images/${other.id}`, { as: "outsider" })).status, 200)
      assert.equal((await agent.call("GET", `/api/v1/images/${other.id}`, { as: "superadmin" })).status, 200)
    })

    it("D2 hosts with their usage; the agent address only for a superadmin", async () => {
      await agent.seedVm({ cpus: 2, memoryMiB: 256 })
      const hosts = await agent.call("GET", "/api/v1/hosts")
      const host = hosts.body.items.find((h: { id: string }) => h.id === agent.world.host.id)
      assert.equal(host.name, "host-1")
      assert.ok(host.usage.vmCount >= 1 && host.usage.cpusUsed >= 2 && host.usage.memoryMiBUsed >= 256)
      assert.ok(!("address" in host))
      const asRoot = await agent.call("GET", `/api/v1/hosts/${agent.world.host.id}`, { as: "superadmin" })
      assert.equal(asRoot.body.address, "127.0.0.1:8080")
      assert.equal((await agent.call("GET", "/api/v1/hosts/none")).status, 404)
    })
  })
}
