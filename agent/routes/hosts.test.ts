import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import type { Host } from "../../core/model/host.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`hosts: states, capacity and maintenance (#16) on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    /** A second host with an agent of its own, whose last heartbeat was `ageMs` ago. */
    const addHost = (ageMs: number | null, fields: Partial<Host> = {}) =>
      agent.run(
        Store.use((s) =>
          s.hosts.insert({
            ...agent.world.host,
            id: randomUUID(),
            name: `node-${randomUUID().slice(0, 8)}`,
            heartbeatAt: ageMs === null ? null : new Date(Date.now() - ageMs),
            ...fields,
          }),
        ),
      )
    const read = async (id: string, as: "owner" | "superadmin" = "owner") =>
      (await agent.call("GET", `/api/v1/hosts/${id}`, { as })).body

    it("#16 each host reads up or down from its heartbeat's age, or maintenance (suspect: core/cluster, on a test clock)", async () => {
      // Margins of a minute and an hour hold whatever the machine's speed (the timeouts are 6 s and 10 s).
      const fresh = await addHost(0, { heartbeatAt: new Date(Date.now() + 60_000) })
      const down = await addHost(3_600_000)
      const drained = await addHost(3_600_000, { state: "maintenance" })
      const items = (await agent.call("GET", "/api/v1/hosts")).body.items as Array<{ id: string; state: string }>
      const stateOf = (id: string) => items.find((h) => h.id === id)?.state
      assert.deepEqual(
        [fresh, down, drained].map((h) => stateOf(h.id)),
        ["up", "down", "maintenance"],
      )
    })

    it("#16 C3 capacity: total with overcommit, used by the host's VMs, and free", async () => {
      const host = await addHost(null, {
        cpus: 4,
        cpuOvercommitPercent: 200,
        memoryMiB: 4096,
        memoryOvercommitPercent: 150,
      })
      await agent.seedVm({ hostId: host.id, cpus: 2, memoryMiB: 1024, state: "running" })
      await agent.seedVm({ hostId: host.id, cpus: 1, memoryMiB: 512, state: "stopped" })
      const { usage } = await read(host.id)
      assert.deepEqual(usage, {
        vmCount: 2,
        cpusTotal: 8,
        memoryMiBTotal: 6144,
        cpusUsed: 3,
        memoryMiBUsed: 1536,
        cpusFree: 5,
        memoryMiBFree: 4608,
        gpusFree: 0,
        usbFree: 0,
      })
    })

    it("#16 a superadmin drains a host and brings it back; others are refused by rule", async () => {
      const host = await addHost(null)
      const path = `/api/v1/hosts/${host.id}/maintenance`
      for (const who of ["owner", "admin"] as const) {
        const refused = await agent.call("PUT", path, { as: who })
        assert.equal(refused.status, 403)
        assert.equal(refused.body.error.rule, "superadmin-only")
      }
      assert.equal((await read(host.id)).state, "up")

      const on = await agent.call("PUT", path, { as: "superadmin" })
      assert.equal(on.status, 200)
      assert.equal(on.body.state, "maintenance")
      const twice = await agent.call("PUT", path, { as: "superadmin" })
      assert.deepEqual([twice.status, twice.body.error.rule], [409, "host-already-in-maintenance"])
      assert.equal((await read(host.id)).state, "maintenance")

      const off = await agent.call("DELETE", path, { as: "superadmin" })
      assert.deepEqual([off.status, off.body.state], [200, "up"])
      const offTwice = await agent.call("DELETE", path, { as: "superadmin" })
      assert.deepEqual([offTwice.status, offTwice.body.error.rule], [409, "host-not-in-maintenance"])
      assert.equal(
        (await agent.call("PUT", "/api/v1/hosts/no-such-host/maintenance", { as: "superadmin" })).status,
        404,
      )
    })

    it("#16 parallel maintenance requests leave one state and answer each with 200 or a named 409, never a 5xx", async () => {
      const host = await addHost(null)
      const path = `/api/v1/hosts/${host.id}/maintenance`
      const replies = await Promise.all(Array.from({ length: 6 }, () => agent.call("PUT", path, { as: "superadmin" })))
      assert.ok(replies.some((r) => r.status === 200))
      for (const r of replies) {
        assert.ok(r.status === 200 || (r.status === 409 && r.body.error.rule === "host-already-in-maintenance"))
      }
      assert.equal((await read(host.id)).state, "maintenance")
    })

    it("#16 C3 create places on the freest host that is up: never one in maintenance, suspect or down", async () => {
      // Hosts far larger than the world's, so that one of them is the freest while it may take VMs.
      const big = { cpus: 512, memoryMiB: 1_048_576 }
      const drained = await addHost(0, { ...big, state: "maintenance", heartbeatAt: new Date(Date.now() + 60_000) })
      const silent = await addHost(3_600_000, big)
      const live = await addHost(0, { ...big, memoryMiB: 524_288, heartbeatAt: new Date(Date.now() + 60_000) })
      const created = await agent.call("POST", "/api/v1/vms", {
        body: { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, name: "placed_1", start: false },
      })
      assert.equal(created.status, 202)
      await agent.settle(created.body.tasks[0].id)
      const vm = await agent.run(Store.use((s) => s.vms.get(created.body.vmIds[0])))
      assert.equal(vm.hostId, live.id)
      assert.notEqual(vm.hostId, drained.id)
      assert.notEqual(vm.hostId, silent.id)
    })
  })
}
