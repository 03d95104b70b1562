import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, runningVm, salesVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

interface Listed {
  readonly id: string
  readonly name: string
  readonly ownerName: string | null
  readonly vm: { readonly id: string; readonly displayName: string } | null
}

for (const backend of storeBackends) {
  describe(`disk operations through the API on ${backend.name} (V1–V3, G2)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const disksOf = (vmId: string) => agent.run(Store.use((s) => s.disks.list({ vmId })))
    const create = (vmId: string, body: unknown) => agent.call("POST", `/api/v1/vms/${vmId}/disks`, { body })
    const created = async (vmId: string, name: string, sizeGiB = 2) => {
      const task = await accepted(agent, "POST", `/api/v1/vms/${vmId}/disks`, { body: { name, sizeGiB } })
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      return (task.params as { diskId: string }).diskId
    }
    const listed = async (query = ""): Promise<Array<Listed>> => {
      const reply = await agent.call("GET", `/api/v1/disks${query}`)
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      return reply.body.items
    }

    it("V2 V3 V1 create on a running VM (hot), detach, attach to another VM; the department list follows", async () => {
      const { vm } = await runningVm(agent)
      const diskId = await created(vm.id, "orders")
      const attached = (await disksOf(vm.id)).find((d) => d.id === diskId)
      assert.deepEqual([attached?.role, attached?.sizeGiB, attached?.name], ["data", 2, "orders"])
      const row = (await listed()).find((d) => d.id === diskId)
      assert.deepEqual(row?.vm, { id: vm.id, displayName: vm.displayName })
      assert.equal(row?.ownerName, agent.users.owner.name)

      const detached = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/disks/${diskId}/detach`, { body: {} })
      assert.equal(detached.state, "succeeded", JSON.stringify(detached.error))
      assert.deepEqual(
        (await disksOf(vm.id)).map((d) => d.role),
        ["system"],
      )
      assert.deepEqual(
        (await listed("?unattached=true")).map((d) => [d.id, d.vm]),
        [[diskId, null]],
      )

      const other = await agent.seedVm()
      const attach = await accepted(agent, "POST", `/api/v1/vms/${other.id}/disks/${diskId}/attach`, { body: {} })
      assert.equal(attach.state, "succeeded", JSON.stringify(attach.error))
      assert.deepEqual(
        (await disksOf(other.id)).filter((d) => d.role === "data").map((d) => d.id),
        [diskId],
      )
    })

    it("V3 the system disk is never detached (422 not-system-disk); V1 an attached disk is not attached again (409)", async () => {
      const { vm, disk } = await runningVm(agent)
      const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/disks/${disk.id}/detach`, { body: {} })
      assert.equal(refused.status, 422)
      assert.equal(refused.body.error.rule, "not-system-disk")
      const diskId = await created(vm.id, "logs")
      const other = await agent.seedVm()
      const again = await agent.call("POST", `/api/v1/vms/${other.id}/disks/${diskId}/attach`, { body: {} })
      assert.equal(again.status, 409)
      assert.equal(again.body.error.rule, "disk-unattached")
    })

    it("V1 V3 not while the VM has snapshots (409 no-snapshots); nothing changes", async () => {
      const { vm } = await runningVm(agent)
      const diskId = await created(vm.id, "with-snapshot")
      const snap = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`, { body: {} })
      assert.equal(snap.state, "succeeded")
      const detach = await agent.call("POST", `/api/v1/vms/${vm.id}/disks/${diskId}/detach`, { body: {} })
      assert.deepEqual([detach.status, detach.body.error.rule], [409, "no-snapshots"])
      const more = await create(vm.id, { name: "more", sizeGiB: 1 })
      assert.deepEqual([more.status, more.body.error.rule], [409, "no-snapshots"])
      assert.equal((await disksOf(vm.id)).length, 2)
    })

    it("G2 the disk quota: refused with quota-disk; parallel creates never overrun it", async () => {
      const { vm } = await runningVm(agent)
      const departmentId = vm.departmentId
      const vms = await Promise.all([1, 2, 3, 4, 5].map(() => agent.seedVm()))
      const used = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
      await agent.run(
        Store.use((s) =>
          s.quotas.set({ departmentId, cpus: null, memoryMiB: null, vmCount: null, diskGiB: used.diskGiB + 5 }),
        ),
      )
      try {
        const tooBig = await create(vm.id, { name: "big", sizeGiB: 6 })
        assert.deepEqual([tooBig.status, tooBig.body.error.rule], [409, "quota-disk"])
        // Five VMs of the department each create 2 GiB at once against 5 GiB left: exactly two fit.
        const replies = await Promise.all(vms.map((each, n) => create(each.id, { name: `p${n}`, sizeGiB: 2 })))
        const tasks = await Promise.all(
          replies.filter((r) => r.status === 202).map((r) => agent.settle(r.body.task.id)),
        )
        assert.deepEqual(
          tasks.map((t) => t.state),
          ["succeeded", "succeeded"],
        )
        const refused = replies.filter((r) => r.status !== 202)
        assert.deepEqual(
          refused.map((r) => [r.status, r.body.error.rule]),
          [
            [409, "quota-disk"],
            [409, "quota-disk"],
            [409, "quota-disk"],
          ],
        )
        const after = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
        assert.equal(after.diskGiB, used.diskGiB + 4)
      } finally {
        await agent.run(
          Store.use((s) => s.quotas.set({ departmentId, cpus: null, memoryMiB: null, vmCount: null, diskGiB: null })),
        )
      }
    })

    it("V1 two VMs attach one disk at once: one gets it, the other is refused with disk-unattached", async () => {
      const { vm } = await runningVm(agent)
      const diskId = await created(vm.id, "contested")
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/disks/${diskId}/detach`, { body: {} })
      const [a, b] = [await agent.seedVm(), await agent.seedVm()]
      const replies = await Promise.all(
        [a, b].map((target) => agent.call("POST", `/api/v1/vms/${target.id}/disks/${diskId}/attach`, { body: {} })),
      )
      const ok = replies.filter((r) => r.status === 202)
      const refused = replies.filter((r) => r.status === 409)
      assert.equal(ok.length, 1, JSON.stringify(replies.map((r) => r.body)))
      assert.equal(refused[0]?.body.error.rule, "disk-unattached")
      const task = await agent.settle(ok[0]?.body.task.id)
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      const holder = await agent.run(Store.use((s) => s.disks.get(diskId)))
      assert.equal(holder.vmId, task.vmId)
    })

    it("delete: an attached disk is refused (409 disk-unattached); an unattached one goes; another department's is 404", async () => {
      const { vm } = await runningVm(agent)
      const diskId = await created(vm.id, "scratch")
      const attached = await agent.call("DELETE", `/api/v1/disks/${diskId}`, { body: {} })
      assert.deepEqual([attached.status, attached.body.error.rule], [409, "disk-unattached"])
      await stop(agent, vm.id)
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/disks/${diskId}/detach`, { body: {} })
      const sales = await salesVm(agent)
      const outside = await agent.call("POST", `/api/v1/vms/${sales.vm.id}/disks/${diskId}/attach`, {
        body: {},
        as: "salesUser",
      })
      assert.equal(outside.status, 404)
      const hidden = await agent.call("DELETE", `/api/v1/disks/${diskId}`, { body: {}, as: "salesUser" })
      assert.equal(hidden.status, 404)
      const task = await accepted(agent, "DELETE", `/api/v1/disks/${diskId}`, { body: {} })
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      assert.ok(!(await listed()).some((d) => d.id === diskId))
    })

    it("bad input is 400 and changes nothing", async () => {
      const { vm } = await runningVm(agent)
      for (const body of [{ name: "", sizeGiB: 1 }, { name: "x", sizeGiB: 0 }, { name: "x", sizeGiB: 1.5 }, {}]) {
        const reply = await create(vm.id, body)
        assert.equal(reply.status, 400, JSON.stringify(body))
      }
      assert.equal((await disksOf(vm.id)).length, 1)
    })
  })
}
