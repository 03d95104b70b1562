import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { readSheet } from "read-excel-file/node"
import { Store } from "../core/index.ts"
import { storeBackends } from "../core/store/testing.ts"
import { useAgent, type Who } from "./testing/harness.ts"

for (const backend of storeBackends) {
  describe(`organisation scope (G1) on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("G1 department A gets 404 for department B's VM on every route, exactly as for a VM that does not exist", async () => {
      const sales = agent.users.salesUser
      const vm = await agent.seedVm({ ownerId: sales.id, departmentId: sales.departmentId, createdBy: sales.id })
      const missing = randomUUID()
      const routes: ReadonlyArray<readonly [string, string, unknown?]> = [
        ["GET", "/api/v1/vms/{id}"],
        ["PATCH", "/api/v1/vms/{id}", { remarks: "mine now" }],
        ["DELETE", "/api/v1/vms/{id}"],
        ["POST", "/api/v1/vms/{id}/start"],
        ["POST", "/api/v1/vms/{id}/stop", { force: true }],
        ["POST", "/api/v1/vms/{id}/reboot"],
        ["POST", "/api/v1/vms/{id}/password"],
        ["POST", "/api/v1/recycle-bin/{id}/restore"],
        ["DELETE", "/api/v1/recycle-bin/{id}"],
      ]
      for (const who of ["owner", "admin"] as const satisfies ReadonlyArray<Who>) {
        for (const [method, path, body] of routes) {
          const call = (id: string) =>
            agent.call(method, path.replace("{id}", id), { as: who, ...(body === undefined ? {} : { body }) })
          const hidden = await call(vm.id)
          const absent = await call(missing)
          assert.equal(hidden.status, 404, `${who} ${method} ${path}`)
          assert.deepEqual(hidden.body.error.code, absent.body.error.code)
          assert.equal(hidden.body.error.message.replace(vm.id, "ID"), absent.body.error.message.replace(missing, "ID"))
        }
        const tasks = await agent.call("GET", `/api/v1/tasks?vmId=${vm.id}`, { as: who })
        assert.equal(tasks.status, 404)
      }
      const untouched = await agent.run(Store.use((s) => s.vms.get(vm.id)))
      assert.deepEqual([untouched.state, untouched.remarks, untouched.recycledAt], ["stopped", "", null])
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`, { as: "outsider" })).status, 200)
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`, { as: "salesUser" })).status, 200)
    })

    it("G1 L6 department B's VM never appears in department A's lists, searches or exports", async () => {
      const suite = randomUUID().slice(0, 8)
      const sales = agent.users.salesUser
      const theirs = await agent.seedVm({
        displayName: "secret_vm",
        ownerId: sales.id,
        departmentId: sales.departmentId,
        createdBy: sales.id,
        tags: { suite },
      })
      const ours = await agent.seedVm({ displayName: "public_vm", tags: { suite } })
      for (const who of ["owner", "admin"] as const) {
        const page = await agent.call("GET", `/api/v1/vms?tag=suite:${suite}`, { as: who })
        assert.deepEqual(
          page.body.items.map((row: { id: string }) => row.id),
          [ours.id],
          who,
        )
        assert.equal((await agent.call("GET", "/api/v1/vms?search=secret_vm", { as: who })).body.total, 0)
        const filtered = await agent.call("GET", `/api/v1/vms?ownerId=${sales.id}`, { as: who })
        assert.equal(filtered.body.total, 0)
        const sheet = await agent.request("GET", `/api/v1/vms/export.xlsx?tag=suite:${suite}&columns=displayName`, {
          as: who,
        })
        const rows = await readSheet(Buffer.from(await sheet.arrayBuffer()))
        assert.deepEqual(rows, [["Name"], ["public_vm"], ["Total (1 VM)"]], who)
      }
      const theirView = await agent.call("GET", `/api/v1/vms?tag=suite:${suite}`, { as: "outsider" })
      assert.deepEqual(
        theirView.body.items.map((row: { id: string }) => row.id),
        [theirs.id],
      )
    })
  })
}
