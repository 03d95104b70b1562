import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { type AgentHarness, useAgent } from "../testing/harness.ts"

const parallelCreates = 50

/** 50 creates sent at once; the statuses and refusal rules as the callers saw them. */
const createAtOnce = async (agent: AgentHarness) => {
  const body = { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, start: false }
  const replies = await Promise.all(
    Array.from({ length: parallelCreates }, (_, n) =>
      agent.call("POST", "/api/v1/vms", { body: { ...body, name: `burst_${n}` } }),
    ),
  )
  for (const reply of replies) if (reply.status === 202) await agent.settle(reply.body.tasks[0].id)
  return {
    accepted: replies.filter((reply) => reply.status === 202).length,
    refusals: new Set(replies.filter((reply) => reply.status !== 202).map((r) => `${r.status} ${r.body.error?.rule}`)),
  }
}

for (const backend of storeBackends) {
  describe(`G2 quota under parallel creates on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("G2 C8 50 parallel creates at a department with room for 3 VMs: exactly 3 accepted, the rest quota-vm-count", async () => {
      const department = agent.users.owner.departmentId
      const before = await agent.run(Store.use((s) => s.quotas.usage(department)))
      await agent.run(
        Store.use((s) =>
          s.quotas.set({
            departmentId: department,
            cpus: null,
            memoryMiB: null,
            diskGiB: null,
            vmCount: before.vmCount + 3,
          }),
        ),
      )
      const { accepted, refusals } = await createAtOnce(agent)
      assert.equal(accepted, 3)
      assert.deepEqual([...refusals], ["409 quota-vm-count"])
      const after = await agent.run(Store.use((s) => s.quotas.usage(department)))
      assert.equal(after.vmCount, before.vmCount + 3, "the department holds exactly its quota")
    })

    it("G2 with room for 2 more CPUs (VM count unlimited): exactly 2 accepted, the rest quota-cpus", async () => {
      const department = agent.users.owner.departmentId
      const before = await agent.run(Store.use((s) => s.quotas.usage(department)))
      const cpus = before.cpus + 2 * agent.world.flavor.cpus
      await agent.run(
        Store.use((s) =>
          s.quotas.set({ departmentId: department, cpus, memoryMiB: null, diskGiB: null, vmCount: null }),
        ),
      )
      const { accepted, refusals } = await createAtOnce(agent)
      assert.equal(accepted, 2)
      assert.deepEqual([...refusals], ["409 quota-cpus"])
      assert.equal((await agent.run(Store.use((s) => s.quotas.usage(department)))).cpus, cpus)
    })
  })

  describe(`C3 host capacity under parallel creates on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("C3 C8 50 parallel creates at a host with room for 4 VMs: exactly 4 placed, the rest no-host-capacity", async () => {
      const hostVms = () => agent.run(Store.use((s) => s.vms.list({ hostId: agent.world.host.id })))
      const used = (await hostVms()).reduce((sum, vm) => sum + vm.cpus, 0)
      // No overcommit, and CPUs for exactly four more VMs of the world's flavor; memory is not the limit.
      const cpus = used + 4 * agent.world.flavor.cpus
      await agent.run(Store.use((s) => s.hosts.update(agent.world.host.id, { cpus, cpuOvercommitPercent: 100 })))
      const { accepted, refusals } = await createAtOnce(agent)
      assert.equal(accepted, 4)
      assert.deepEqual([...refusals], ["409 no-host-capacity"])
      const placed = (await hostVms()).reduce((sum, vm) => sum + vm.cpus, 0)
      assert.equal(placed, cpus, "the host carries exactly what it has")
    })
  })
}
