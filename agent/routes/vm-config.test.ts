import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, runningVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`resize and sockets through the API on ${backend.name} (K1, K4)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const flavor = (cpus: number, memoryMiB: number) =>
      agent.run(
        Store.use((s) =>
          s.flavors.insert({
            id: randomUUID(),
            name: `f${cpus}x${memoryMiB}`,
            cpus,
            memoryMiB,
            gpuAllowed: false,
            perDay: 200,
            createdAt: new Date(),
          }),
        ),
      )
    const vmOf = (id: string) => agent.run(Store.use((s) => s.vms.get(id)))
    const action = async (vmId: string, name: string) => {
      const detail = await agent.call("GET", `/api/v1/vms/${vmId}`)
      return detail.body.allowedActions.find((a: { action: string }) => a.action === name)
    }

    it("K1 stopped only; another flavor; then the VM runs again with the new CPUs and memory", async () => {
      const big = await flavor(2, 256)
      const { vm } = await runningVm(agent)
      assert.deepEqual(await action(vm.id, "resize"), {
        action: "resize",
        operation: "vm.resize",
        allowed: false,
        rule: "stopped-only",
        kind: "conflict",
        message: "The VM must be stopped first (it is running)",
      })
      const running = await agent.call("POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: big.id } })
      assert.deepEqual([running.status, running.body.error.rule], [409, "stopped-only"])
      await stop(agent, vm.id)
      assert.equal((await action(vm.id, "resize")).allowed, true)
      const same = await agent.call("POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: vm.flavorId } })
      assert.deepEqual([same.status, same.body.error.rule], [422, "different-flavor"])
      const unknown = await agent.call("POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: "nope" } })
      assert.equal(unknown.status, 404)
      const task = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: big.id } })
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      const after = await vmOf(vm.id)
      assert.deepEqual(
        [after.state, after.flavorId, after.cpus, after.memoryMiB, after.sockets * after.coresPerSocket],
        ["running", big.id, 2, 256, 2],
      )
    })

    it("K1 G2 a resize past the department's CPU quota is refused (409 quota-cpus) and changes nothing", async () => {
      const big = await flavor(4, 128)
      const { vm } = await runningVm(agent)
      await stop(agent, vm.id)
      const used = await agent.run(Store.use((s) => s.quotas.usage(vm.departmentId)))
      const quota = { departmentId: vm.departmentId, memoryMiB: null, diskGiB: null, vmCount: null }
      await agent.run(Store.use((s) => s.quotas.set({ ...quota, cpus: used.cpus + 1 })))
      try {
        const before = await vmOf(vm.id)
        const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: big.id } })
        assert.deepEqual([refused.status, refused.body.error.rule], [409, "quota-cpus"])
        const same = await vmOf(vm.id)
        assert.deepEqual([same.state, same.cpus, same.version], ["stopped", 1, before.version])
      } finally {
        await agent.run(Store.use((s) => s.quotas.set({ ...quota, cpus: null })))
      }
    })

    it("K1 G2 parallel resizes share the quota's last CPUs: one resizes, the others fail by the quota's rule", async () => {
      const big = await flavor(2, 128)
      const vms = [(await runningVm(agent)).vm, (await runningVm(agent)).vm, (await runningVm(agent)).vm]
      for (const vm of vms) await stop(agent, vm.id)
      const departmentId = vms[0]?.departmentId ?? ""
      const used = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
      const quota = { departmentId, memoryMiB: null, diskGiB: null, vmCount: null }
      // room for one more CPU: exactly one of the three 1 → 2 CPU resizes fits
      await agent.run(Store.use((s) => s.quotas.set({ ...quota, cpus: used.cpus + 1 })))
      try {
        const replies = await Promise.all(
          vms.map((vm) => agent.call("POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: big.id } })),
        )
        const outcomes = await Promise.all(
          replies.map(async (reply) => {
            if (reply.status !== 202) return `${reply.status} ${reply.body.error.rule}`
            const task = await agent.settle(reply.body.task.id)
            return task.state === "succeeded" ? "resized" : `failed ${(task.error as { rule?: string }).rule}`
          }),
        )
        assert.equal(outcomes.filter((o) => o === "resized").length, 1, JSON.stringify(outcomes))
        assert.ok(
          outcomes.every((o) => o === "resized" || o === "409 quota-cpus" || o === "failed quota-cpus"),
          JSON.stringify(outcomes),
        )
        const after = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
        assert.equal(after.cpus, used.cpus + 1, "the quota holds")
        const states = await Promise.all(vms.map((vm) => vmOf(vm.id)))
        assert.deepEqual(states.map((vm) => vm.state).sort(), ["running", "stopped", "stopped"])
      } finally {
        await agent.run(Store.use((s) => s.quotas.set({ ...quota, cpus: null })))
      }
    })

    it("K4 stopped only; the sockets divide the CPUs; cores per socket follow", async () => {
      const big = await flavor(4, 128)
      const { vm } = await runningVm(agent)
      await stop(agent, vm.id)
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/resize`, { body: { flavorId: big.id } })
      const running = await agent.call("POST", `/api/v1/vms/${vm.id}/sockets`, { body: { sockets: 2 } })
      assert.deepEqual([running.status, running.body.error.rule], [409, "stopped-only"])
      await stop(agent, vm.id)
      const uneven = await agent.call("POST", `/api/v1/vms/${vm.id}/sockets`, { body: { sockets: 3 } })
      assert.deepEqual([uneven.status, uneven.body.error.rule], [422, "sockets-divide-cpus"])
      const set = await agent.call("POST", `/api/v1/vms/${vm.id}/sockets`, { body: { sockets: 4 } })
      assert.equal(set.status, 200, JSON.stringify(set.body))
      assert.deepEqual([set.body.sockets, set.body.coresPerSocket, set.body.task.operation], [4, 1, "vm.sockets"])
      const bad = await agent.call("POST", `/api/v1/vms/${vm.id}/sockets`, { body: { sockets: 0 } })
      assert.equal(bad.status, 400)
    })
  })
}
