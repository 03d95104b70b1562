/**
 * R8 through the API (fake driver, real PostgreSQL): a clone takes a new address on each of the source's networks,
 * a new name and password; its refusals name their rules and make nothing; two clones racing for a network's last
 * address get one clone, not two. The clone's content in the guest is proven on QEMU (core/operations/clone.qemu.test.ts).
 */
import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { type AgentHarness, useAgent } from "../testing/harness.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

const refusal = (reply: { status: number; body: Json }) => `${reply.status} ${reply.body?.error?.rule}`

const createdVm = async (agent: AgentHarness, name: string, networkId: string) => {
  const reply = await agent.call("POST", "/api/v1/vms", {
    body: { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, name, networks: [{ networkId }] },
  })
  assert.equal(reply.status, 202, JSON.stringify(reply.body))
  assert.equal((await agent.settle(reply.body.tasks[0].id)).state, "succeeded")
  return reply.body.vmIds[0] as string
}

const addressesOf = async (agent: AgentHarness, vmId: string) =>
  (await agent.call("GET", `/api/v1/vms/${vmId}/nics`)).body.items.map((nic: Json) => [nic.subnetId, nic.primaryIp])

for (const backend of storeBackends) {
  describe(`clone through the API on ${backend.name} (R8)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    let network: Json
    let firstSource = ""
    const vmCount = () => agent.run(Store.use((s) => s.vms.list({}))).then((vms) => vms.length)
    const clone = (vmId: string, body: Json) => agent.call("POST", `/api/v1/vms/${vmId}/clone`, { body })

    before(async () => {
      const reply = await agent.call("POST", "/api/v1/networks", {
        as: "superadmin",
        body: {
          name: "clone-net",
          kind: "isolated",
          departmentId: agent.users.owner.departmentId,
          // three addresses to hand out
          subnet: { cidr: "10.80.0.0/29", rangeStart: "10.80.0.2", rangeEnd: "10.80.0.4" },
        },
      })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      network = reply.body
    })

    it("R8 the clone runs with the source's configuration, a new address on the same network, a new name and password", async () => {
      const sourceId = await createdVm(agent, "source_1", network.id)
      firstSource = sourceId
      const detail = (await agent.call("GET", `/api/v1/vms/${sourceId}`)).body
      assert.deepEqual(
        detail.allowedActions.find((a: Json) => a.action === "clone"),
        { action: "clone", operation: "vm.clone", allowed: true },
      )
      const reply = await clone(sourceId, { name: "copy_1" })
      assert.equal(reply.status, 202, JSON.stringify(reply.body))
      assert.match(reply.body.password, /^.{16}$/, "a random password, shown once")
      const task = await agent.settle(reply.body.task.id)
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      assert.equal(task.vmId, sourceId, "the task is the source's")
      const cloneId = (task.params as Json).cloneId
      const made = (await agent.call("GET", `/api/v1/vms/${cloneId}`)).body.vm
      const original = (await agent.call("GET", `/api/v1/vms/${sourceId}`)).body.vm
      assert.deepEqual(
        [made.displayName, made.state, made.flavorId, made.imageId, made.cpus, made.memoryMiB],
        ["copy_1", "running", original.flavorId, original.imageId, original.cpus, original.memoryMiB],
      )
      assert.notEqual(made.hostname, original.hostname)
      const [[sourceSubnet, sourceIp]] = await addressesOf(agent, sourceId)
      const [[cloneSubnet, cloneIp]] = await addressesOf(agent, cloneId)
      assert.equal(cloneSubnet, sourceSubnet, "the same network")
      assert.notEqual(cloneIp, sourceIp, "a new address")
      const shown = await agent.call("POST", `/api/v1/vms/${cloneId}/password`)
      assert.equal(shown.body.password, reply.body.password, "R6 shows the clone's own password")
    })

    it("R8 refusals name their rule and make nothing: name, password, quota, free addresses", async () => {
      const wide = await agent.call("POST", "/api/v1/networks", {
        as: "superadmin",
        body: { name: "wide-net", kind: "shared", subnet: { cidr: "10.82.0.0/24" } },
      })
      const sourceId = await createdVm(agent, "source_2", wide.body.id)
      const count = await vmCount()
      assert.equal(refusal(await clone(sourceId, { name: "x" })), "422 name-format")
      assert.equal(refusal(await clone(sourceId, { name: "copy_2", password: "short" })), "422 password-format")
      assert.equal(
        refusal(await clone(sourceId, { name: "copy_2", components: ["domain-join"] })),
        "422 domain-join-windows-only",
      )
      const departmentId = agent.users.owner.departmentId
      const used = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
      const open = { departmentId, cpus: null, memoryMiB: null, diskGiB: null, vmCount: null }
      await agent.run(Store.use((s) => s.quotas.set({ ...open, vmCount: used.vmCount })))
      try {
        assert.equal(refusal(await clone(sourceId, { name: "copy_2" })), "409 quota-vm-count")
      } finally {
        await agent.run(Store.use((s) => s.quotas.set(open)))
      }
      assert.equal(await vmCount(), count, "no clone was made")
      // clone-net's three addresses: source_1, its clone, and one more clone
      assert.equal((await agent.settle((await clone(firstSource, { name: "copy_3" })).body.task.id)).state, "succeeded")
      const full = await vmCount()
      assert.equal(refusal(await clone(firstSource, { name: "copy_4" })), "409 network-free-ips")
      assert.equal(await vmCount(), full, "no clone was made")
      const unknown = await agent.call("POST", "/api/v1/vms/no-such-vm/clone", { body: { name: "copy_3" } })
      assert.equal(unknown.status, 404)
    })

    it("R8 C8 two clones racing for a network's last address: one is made, the other refused (network-free-ips)", async () => {
      const reply = await agent.call("POST", "/api/v1/networks", {
        as: "superadmin",
        body: {
          name: "race-net",
          kind: "isolated",
          departmentId: agent.users.owner.departmentId,
          subnet: { cidr: "10.81.0.0/29", rangeStart: "10.81.0.2", rangeEnd: "10.81.0.4" },
        },
      })
      const sources = [
        await createdVm(agent, "racer_1", reply.body.id),
        await createdVm(agent, "racer_2", reply.body.id),
      ]
      const count = await vmCount()
      const replies = await Promise.all(sources.map((id, i) => clone(id, { name: `race_copy_${i}` })))
      const outcomes = replies.map((r) => (r.status === 202 ? "202" : refusal(r))).sort()
      assert.deepEqual(outcomes, ["202", "409 network-free-ips"])
      const made = replies.find((r) => r.status === 202)
      assert.equal((await agent.settle(made?.body.task.id)).state, "succeeded")
      assert.equal(await vmCount(), count + 1, "one clone, not two")
    })
  })
}
