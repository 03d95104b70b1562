/**
 * R3 through the API (fake driver, real PostgreSQL): a VM given to another department must have no snapshots (and the
 * rest, by name); to another company it must be stopped, and its NIC on the old department's isolated network moves
 * to the target department's (made there when it has none) with a new address; its disks follow the owner.
 */
import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, runningVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

const refusal = (reply: { status: number; body: Json }) => `${reply.status} ${reply.body?.error?.rule}`

for (const backend of storeBackends) {
  describe(`change owner through the API on ${backend.name} (R3)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const give = (vmId: string, ownerId: string, as: "owner" | "superadmin" = "superadmin") =>
      agent.call("POST", `/api/v1/vms/${vmId}/owner`, { as, body: { ownerId } })

    const freeOn = async (networkId: string) =>
      (await agent.call("GET", "/api/v1/networks", { as: "superadmin" })).body.items.find(
        (n: Json) => n.id === networkId,
      ).free as number

    it("R3 another department of the company: snapshots must be gone first; the VM and its disks follow", async () => {
      const { vm } = await runningVm(agent)
      const target = agent.users.salesUser
      assert.equal(refusal(await give(vm.id, vm.ownerId)), "422 owner-unchanged")
      assert.equal(refusal(await give(vm.id, target.id, "owner")), "403 owner-in-scope")
      const snapshot = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "kept" } })
      assert.equal(refusal(await give(vm.id, target.id)), "409 no-snapshots")
      const snapshotId = (snapshot.params as Json).snapshotId ?? snapshot.targetId
      await accepted(agent, "DELETE", `/api/v1/vms/${vm.id}/snapshots/${snapshotId}`)
      const reply = await give(vm.id, target.id)
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      const after = await agent.run(Store.use((s) => s.vms.get(vm.id)))
      assert.deepEqual([after.ownerId, after.departmentId, after.state], [target.id, target.departmentId, "running"])
      const disks = await agent.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      assert.ok(disks.every((d) => d.departmentId === target.departmentId && d.ownerId === target.id))
    })

    it("G2 R3 the target department's quota: 6 VMs moved at once into room for 2 — exactly 2 move, the rest quota-cpus, unchanged", async () => {
      const target = agent.users.salesUser
      const vms = await Promise.all(Array.from({ length: 6 }, () => runningVm(agent).then(({ vm }) => vm)))
      const cpus = vms[0]?.cpus ?? 1
      const before = await agent.run(Store.use((s) => s.quotas.usage(target.departmentId)))
      const limits = { departmentId: target.departmentId, memoryMiB: null, diskGiB: null, vmCount: null }
      await agent.run(Store.use((s) => s.quotas.set({ ...limits, cpus: before.cpus + 2 * cpus })))
      const replies = await Promise.all(vms.map((vm) => give(vm.id, target.id)))
      const outcomes = replies.map(refusal).sort()
      assert.deepEqual(
        outcomes,
        ["200 undefined", "200 undefined", ...Array(4).fill("409 quota-cpus")],
        outcomes.join(),
      )
      const refused = replies.find((reply) => reply.status === 409)
      assert.match(refused?.body.error.message ?? "", /CPU/)
      const after = await agent.run(Store.use((s) => s.quotas.usage(target.departmentId)))
      assert.equal(after.cpus, before.cpus + 2 * cpus, "the department holds exactly its quota")
      const owners = await agent.run(Store.use((s) => Effect.forEach(vms, (vm) => s.vms.get(vm.id))))
      assert.equal(owners.filter((vm) => vm.ownerId === target.id).length, 2)
      const stayed = owners.filter((vm) => vm.ownerId !== target.id)
      assert.ok(
        stayed.every((vm) => vm.departmentId === agent.users.owner.departmentId),
        "the refused stay where they were",
      )
      const disks = await agent.run(Store.use((s) => Effect.forEach(stayed, (vm) => s.disks.list({ vmId: vm.id }))))
      assert.ok(disks.flat().every((disk) => disk.departmentId === agent.users.owner.departmentId))
      await agent.run(Store.use((s) => s.quotas.set({ ...limits, cpus: null })))
    })

    it("R3 another company: stopped only; the isolated network is replaced by the target department's own", async () => {
      const ops = agent.users.owner.departmentId
      const net = await agent.call("POST", "/api/v1/networks", {
        as: "superadmin",
        body: { name: "ops-private", kind: "isolated", departmentId: ops, subnet: { cidr: "10.90.0.0/24" } },
      })
      assert.equal(net.status, 201, JSON.stringify(net.body))
      const created = await agent.call("POST", "/api/v1/vms", {
        body: {
          imageId: agent.world.image.id,
          flavorId: agent.world.flavor.id,
          name: "mover_1",
          networks: [{ networkId: net.body.id }],
        },
      })
      assert.equal((await agent.settle(created.body.tasks[0].id)).state, "succeeded")
      const vmId = created.body.vmIds[0] as string
      const stranger = await agent.run(
        Effect.gen(function* () {
          const store = yield* Store
          const at = new Date()
          const company = yield* store.companies.insert({
            id: randomUUID(),
            name: "Globex",
            number: "09",
            createdAt: at,
          })
          const department = yield* store.departments.insert({
            id: randomUUID(),
            companyId: company.id,
            name: "labs",
            reclaimPolicy: "recycle",
            reclaimNoticeDays: 3,
            createdAt: at,
          })
          return yield* store.users.insert({
            id: randomUUID(),
            name: "stranger",
            email: "stranger@example.test",
            role: "user",
            companyId: company.id,
            departmentId: department.id,
            createdAt: at,
          })
        }),
      )
      assert.equal(refusal(await give(vmId, stranger.id)), "409 stopped-only")
      const freeBefore = await freeOn(net.body.id)
      await stop(agent, vmId)
      const reply = await give(vmId, stranger.id)
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      const vm = await agent.run(Store.use((s) => s.vms.get(vmId)))
      assert.deepEqual([vm.companyId, vm.departmentId], [stranger.companyId, stranger.departmentId])
      const [nic] = await agent.run(Store.use((s) => s.nics.list({ vmId })))
      const network = await agent.run(
        Store.use((s) => Effect.flatMap(s.subnets.get(nic?.subnetId ?? ""), (sub) => s.networks.get(sub.networkId))),
      )
      assert.deepEqual(
        [network.kind, network.departmentId, network.name],
        ["isolated", stranger.departmentId, "ops-private"],
        "the target department's own isolated network, made for it",
      )
      assert.match(nic?.primaryIp ?? "", /^10\.90\.0\./)
      assert.equal(await freeOn(net.body.id), freeBefore + 1, "the old network's address went back")
      const started = await accepted(agent, "POST", `/api/v1/vms/${vmId}/start`, { as: "superadmin" })
      assert.equal(started.state, "succeeded", "the moved VM starts on its new network")
    })
  })
}
