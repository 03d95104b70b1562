import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`batch and recycle bin on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const state = async (vmId: string) => (await agent.call("GET", `/api/v1/vms/${vmId}`, { as: "superadmin" })).body

    it("L7 one VM in a wrong state is refused with its rule's name; the rest proceed", async () => {
      const a = await agent.seedVm()
      const b = await agent.seedVm()
      const running = await agent.seedVm({ state: "running" })
      const reply = await agent.call("POST", "/api/v1/batch", {
        body: { action: "start", vmIds: [a.id, running.id, b.id] },
        lang: "zh",
      })
      assert.equal(reply.status, 202)
      const outcome = (id: string) => reply.body.outcomes.find((o: { vmId: string }) => o.vmId === id)
      assert.equal(outcome(a.id).status, "accepted")
      assert.equal(outcome(b.id).status, "accepted")
      assert.deepEqual(outcome(running.id), {
        vmId: running.id,
        status: "refused",
        rule: "lifecycle-state",
        message: "虚拟机处于“运行”状态，不能开机",
      })
      for (const vm of [a, b]) {
        assert.equal((await agent.settle(outcome(vm.id).taskId)).state, "succeeded")
        assert.equal((await state(vm.id)).runtime.state, "running")
      }
      const children = await agent.call("GET", `/api/v1/tasks?parentId=${reply.body.task.id}`)
      assert.deepEqual(children.body.items.map((t: { vmId: string }) => t.vmId).sort(), [a.id, b.id].sort())
      const parent = await agent.call("GET", `/api/v1/tasks/${reply.body.task.id}`)
      assert.equal(parent.body.operation, "vm.batch")
      assert.equal(parent.body.state, "succeeded")
    })

    it("L7 G1 a VM outside the caller's scope is reported not-found and left alone", async () => {
      const mine = await agent.seedVm()
      const theirs = await agent.seedVm({
        ownerId: agent.users.salesUser.id,
        departmentId: agent.users.salesUser.departmentId,
        createdBy: agent.users.salesUser.id,
      })
      const reply = await agent.call("POST", "/api/v1/batch", {
        body: { action: "stop", force: true, vmIds: [mine.id, theirs.id, randomUUID()] },
      })
      assert.equal(reply.status, 202)
      const statuses = reply.body.outcomes.map((o: { status: string; rule?: string }) => o.rule ?? o.status)
      assert.deepEqual(statuses, ["lifecycle-state", "not-found", "not-found"], "a stopped VM cannot be stopped")
      assert.equal((await state(theirs.id)).runtime.state, "stopped")
    })

    it("L7 an action a batch cannot do, or an empty selection, is 422 naming the rule", async () => {
      const vm = await agent.seedVm()
      const migrate = await agent.call("POST", "/api/v1/batch", { body: { action: "migrate", vmIds: [vm.id] } })
      assert.equal(migrate.status, 422)
      assert.equal(migrate.body.error.rule, "batch-action")
      const empty = await agent.call("POST", "/api/v1/batch", { body: { action: "start", vmIds: [] }, lang: "zh" })
      assert.equal(empty.status, 422)
      assert.deepEqual(empty.body.error, {
        code: "unprocessable",
        rule: "batch-selection",
        message: "批量操作请至少勾选一台虚拟机",
      })
    })

    it("G3 B4 deleted VMs wait in the recycle bin; only a superadmin restores one, and it comes back stopped", async () => {
      const vm = await agent.seedVm({ displayName: "binned_vm" })
      const deleted = await agent.call("POST", "/api/v1/batch", { body: { action: "delete", vmIds: [vm.id] } })
      await agent.settle(deleted.body.outcomes[0].taskId)
      const bin = await agent.call("GET", "/api/v1/recycle-bin?search=binned_vm&columns=displayName,recycledAt")
      assert.equal(bin.status, 200)
      assert.deepEqual(
        bin.body.items.map((row: { id: string }) => row.id),
        [vm.id],
      )
      assert.notEqual(bin.body.items[0].recycledAt, null)
      assert.equal((await agent.call("GET", "/api/v1/vms?search=binned_vm")).body.total, 0)

      const byUser = await agent.call("POST", `/api/v1/recycle-bin/${vm.id}/restore`)
      assert.equal(byUser.status, 403)
      assert.equal(byUser.body.error.rule, "superadmin-only")
      const restored = await agent.call("POST", `/api/v1/recycle-bin/${vm.id}/restore`, { as: "superadmin" })
      assert.equal(restored.status, 200)
      assert.deepEqual([restored.body.task.operation, restored.body.task.state], ["vm.restore", "succeeded"])
      const back = await state(vm.id)
      assert.deepEqual([back.vm.recycledAt, back.runtime.state], [null, "stopped"])
      assert.equal((await agent.call("GET", "/api/v1/recycle-bin?search=binned_vm")).body.total, 0)
    })

    it("G3 each recycle-bin row carries the caller's restore and purge verdicts, as the VM's detail has them", async () => {
      const vm = await agent.seedVm({ displayName: "verdict_vm" })
      await agent.settle((await agent.call("DELETE", `/api/v1/vms/${vm.id}`)).body.task.id)
      const verdicts = async (as: "owner" | "admin" | "superadmin", lang: "en" | "zh" = "en") => {
        const bin = await agent.call("GET", "/api/v1/recycle-bin?search=verdict_vm&columns=displayName", { as, lang })
        assert.equal(bin.status, 200)
        const [row] = bin.body.items
        const detail = (await agent.call("GET", `/api/v1/vms/${vm.id}`, { as, lang })).body
        const ofDetail = detail.allowedActions.filter((a: { action: string }) =>
          ["restore", "purge"].includes(a.action),
        )
        assert.deepEqual(row.allowedActions, ofDetail, `${as}: the row says what the detail says`)
        return row.allowedActions.map((a: { allowed: boolean; rule?: string }) => (a.allowed ? "allowed" : a.rule))
      }
      assert.deepEqual(await verdicts("owner", "zh"), ["superadmin-only", "admin-only"])
      assert.deepEqual(await verdicts("admin"), ["superadmin-only", "allowed"])
      assert.deepEqual(await verdicts("superadmin"), ["allowed", "allowed"])
    })

    it("G3 an admin purges a deleted VM for good; a user may not; a VM outside the bin is 409 recycled-only", async () => {
      const vm = await agent.seedVm()
      const live = await agent.call("DELETE", `/api/v1/recycle-bin/${vm.id}`, { as: "admin" })
      assert.equal(live.status, 409)
      assert.equal(live.body.error.rule, "recycled-only")
      await agent.settle((await agent.call("DELETE", `/api/v1/vms/${vm.id}`)).body.task.id)
      const byUser = await agent.call("DELETE", `/api/v1/recycle-bin/${vm.id}`)
      assert.equal(byUser.status, 403)
      assert.equal(byUser.body.error.rule, "admin-only")
      const purged = await agent.call("DELETE", `/api/v1/recycle-bin/${vm.id}?deleteDataDisks=true`, { as: "admin" })
      assert.equal(purged.status, 202)
      assert.equal(purged.body.task.operation, "vm.purge")
      assert.equal((await agent.settle(purged.body.task.id)).state, "succeeded")
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`, { as: "admin" })).status, 404)
    })
  })
}
