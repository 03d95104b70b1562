/**
 * #15 through the API (fake driver, real PostgreSQL): admin networks, the networks a department sees with free-IP
 * counts, create with networks (C6, C8), N1–N6 on a VM's NICs, each refusal with its rule's name, and 20 parallel
 * creates on a /28.
 */
import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { type AgentHarness, useAgent } from "../testing/harness.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

const makeNetwork = async (agent: AgentHarness, body: Json) => {
  const reply = await agent.call("POST", "/api/v1/networks", { as: "superadmin", body })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body
}

const createVm = (agent: AgentHarness, name: string, extra: Json = {}) =>
  agent.call("POST", "/api/v1/vms", {
    body: { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, name, start: false, ...extra },
  })

const createdVm = async (agent: AgentHarness, name: string, extra: Json = {}) => {
  const reply = await createVm(agent, name, extra)
  assert.equal(reply.status, 202, JSON.stringify(reply.body))
  await agent.settle(reply.body.tasks[0].id)
  return reply.body.vmIds[0] as string
}

const nicsOf = async (agent: AgentHarness, vmId: string) => {
  const reply = await agent.call("GET", `/api/v1/vms/${vmId}/nics`)
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  return reply.body.items as Array<Json>
}

const refusal = (reply: { status: number; body: Json }) => `${reply.status} ${reply.body?.error?.rule}`

for (const backend of storeBackends) {
  describe(`networks through the API on ${backend.name} (#15: C6, C8, N1–N6)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    let shared: Json
    let big: Json
    let own: Json
    let theirs: Json
    let tiny: Json

    before(async () => {
      const ops = agent.users.owner.departmentId
      const sales = agent.users.outsider.departmentId
      shared = await makeNetwork(agent, { name: "shared-a", kind: "shared", subnet: { cidr: "10.60.0.0/24" } })
      big = await makeNetwork(agent, { name: "shared-big", kind: "shared", subnet: { cidr: "10.61.0.0/22" } })
      own = await makeNetwork(agent, {
        name: "ops-isolated",
        kind: "isolated",
        departmentId: ops,
        subnet: { cidr: "10.62.0.0/24", rangeStart: "10.62.0.10", rangeEnd: "10.62.0.99", reserved: ["10.62.0.50"] },
      })
      theirs = await makeNetwork(agent, {
        name: "sales-isolated",
        kind: "isolated",
        departmentId: sales,
        subnet: { cidr: "10.63.0.0/24" },
      })
      // two addresses to hand out
      tiny = await makeNetwork(agent, {
        name: "ops-tiny",
        kind: "isolated",
        departmentId: ops,
        subnet: { cidr: "10.64.0.0/29", rangeStart: "10.64.0.2", rangeEnd: "10.64.0.3" },
      })
    })

    it("admin: only a superadmin creates networks; a bad layout or department is refused by name", async () => {
      const body = { name: "x", kind: "shared", subnet: { cidr: "10.70.0.0/24" } }
      assert.equal(refusal(await agent.call("POST", "/api/v1/networks", { as: "admin", body })), "403 superadmin-only")
      const outside = { ...body, subnet: { cidr: "10.70.0.0/24", gateway: "10.71.0.1" } }
      assert.equal(
        refusal(await agent.call("POST", "/api/v1/networks", { as: "superadmin", body: outside })),
        "422 subnet-layout",
      )
      // in Chinese the reason is Chinese too (it was spliced in English: "子网配置无效：gateway … is outside …")
      const zh = await agent.call("POST", "/api/v1/networks", { as: "superadmin", body: outside, lang: "zh" })
      assert.equal(zh.body.error.message, "子网配置无效：网关 10.71.0.1 不在 10.70.0.0/24 内")
      const noDepartment = { ...body, kind: "isolated" }
      assert.equal(
        refusal(await agent.call("POST", "/api/v1/networks", { as: "superadmin", body: noDepartment })),
        "422 network-department",
      )
      const names = (await agent.call("GET", "/api/v1/networks", { as: "superadmin" })).body.items.map(
        (n: Json) => n.name,
      )
      assert.ok(!names.includes("x"), "nothing was created")
    })

    it("C6 a user sees shared networks and their department's own, with free-IP counts", async () => {
      const items = (await agent.call("GET", "/api/v1/networks")).body.items
      assert.deepEqual(
        items.map((n: Json) => n.name),
        ["ops-isolated", "ops-tiny", "shared-a", "shared-big"],
      )
      const isolated = items.find((n: Json) => n.name === "ops-isolated")
      // 10..99 is 90 addresses, less one reserved
      assert.deepEqual([isolated.free, isolated.subnets[0].gateway], [89, "10.62.0.1"])
      const sales = (await agent.call("GET", "/api/v1/networks", { as: "salesUser" })).body.items
      assert.ok(sales.some((n: Json) => n.name === "sales-isolated"))
      assert.ok(!sales.some((n: Json) => n.name === "ops-isolated"))
    })

    it("C6 auto: the visible subnet with the most free IPs; the NIC is the default one with IPAM's address", async () => {
      const vmId = await createdVm(agent, "auto_1", { networks: "auto" })
      const [nic, ...rest] = await nicsOf(agent, vmId)
      assert.equal(rest.length, 0)
      assert.deepEqual([nic.networkName, nic.isDefault, nic.primaryIp], ["shared-big", true, "10.61.0.2"])
      assert.match(nic.mac, /^52:54:00(:[0-9a-f]{2}){3}$/)
    })

    it("C6 manual: two networks, a fixed IP, exactly one default; refusals name their rule and create nothing", async () => {
      const before = await agent.run(Store.use((s) => s.vms.list({})))
      const fixed = { networkId: own.id, ip: "10.62.0.20", isDefault: true }
      const second = { networkId: shared.id, dhcp: false }
      const vmId = await createdVm(agent, "manual_1", { networks: [fixed, second] })
      const nics = await nicsOf(agent, vmId)
      assert.deepEqual(
        nics.map((n) => [n.networkName, n.primaryIp, n.isDefault, n.dhcp]),
        [
          ["ops-isolated", "10.62.0.20", true, true],
          ["shared-a", "10.60.0.2", false, false],
        ],
      )
      const refusals = [
        [[{ ...fixed, isDefault: false }, second], "422 one-default-network"],
        [[fixed, { ...second, isDefault: true }], "422 one-default-network"],
        [[{ networkId: own.id, ip: "10.62.0.20" }], "409 fixed-ip-available"],
        [[{ networkId: own.id, ip: "10.62.0.50" }], "409 fixed-ip-available"],
        [[{ networkId: own.id, ip: "10.99.0.5" }], "409 fixed-ip-available"],
        [[{ networkId: theirs.id }], "403 network-available"],
      ] as const
      for (const [networks, expected] of refusals) {
        assert.equal(refusal(await createVm(agent, "refused_1", { networks })), expected, JSON.stringify(networks))
      }
      const batch = await createVm(agent, "", {
        name: undefined,
        count: 2,
        tags: { "app-group": "shop", "app-role": "web", "app-type": "a" },
        networks: [{ networkId: own.id, ip: "10.62.0.21" }],
      })
      assert.equal(refusal(batch), "422 fixed-ip-single-vm")
      const unknown = await createVm(agent, "refused_2", { networks: [{ networkId: "no-such-network" }] })
      assert.equal(unknown.status, 404)
      const after = await agent.run(Store.use((s) => s.vms.list({})))
      assert.equal(after.length, before.length + 1, "only the accepted VM was made")
    })

    it("C6 C8 a batch needs an address per VM on a network: 3 VMs on 2 free IPs is network-free-ips, none made", async () => {
      const networks = [{ networkId: tiny.id }]
      const reply = await createVm(agent, "", {
        name: undefined,
        count: 3,
        tags: { "app-group": "shop", "app-role": "web", "app-type": "b" },
        networks,
      })
      assert.equal(refusal(reply), "409 network-free-ips")
      const free = (await agent.call("GET", "/api/v1/networks")).body.items.find((n: Json) => n.id === tiny.id).free
      assert.equal(free, 2, "no address was taken")
    })

    it("N1 join, N5 set default, N6 remove: refusals by name; the old default leaves once another is default", async () => {
      const vmId = await createdVm(agent, "joiner_1", { networks: [{ networkId: shared.id }] })
      const detail = (await agent.call("GET", `/api/v1/vms/${vmId}`)).body
      assert.deepEqual(
        detail.allowedActions.find((a: Json) => a.action === "join-network"),
        { action: "join-network", operation: "nic.join", allowed: true },
      )
      const joined = await agent.call("POST", `/api/v1/vms/${vmId}/nics`, { body: { networkId: own.id } })
      assert.equal(joined.status, 201, JSON.stringify(joined.body))
      assert.deepEqual([joined.body.nic.isDefault, joined.body.task.operation], [false, "nic.join"])
      const again = await agent.call("POST", `/api/v1/vms/${vmId}/nics`, { body: { networkId: own.id } })
      assert.equal(refusal(again), "409 subnet-already-joined")
      const foreign = await agent.call("POST", `/api/v1/vms/${vmId}/nics`, { body: { networkId: theirs.id } })
      assert.equal(refusal(foreign), "403 network-available")
      const taken = await agent.call("POST", `/api/v1/vms/${vmId}/nics`, {
        body: { networkId: big.id, ip: "10.61.0.2" },
      })
      assert.equal(refusal(taken), "409 fixed-ip-available")

      const [first, second] = await nicsOf(agent, vmId)
      // F9: the default network offers no "set default"; the other one does
      const setDefaultOf = (nic: Json) => nic.allowedActions.find((a: Json) => a.action === "set-default")
      assert.deepEqual([setDefaultOf(first).rule, setDefaultOf(second).allowed], ["network-already-default", true])
      const defaultAgain = await agent.call("PUT", `/api/v1/vms/${vmId}/nics/${first.id}/default`)
      assert.equal(refusal(defaultAgain), "409 network-already-default")
      const removeDefault = await agent.call("DELETE", `/api/v1/vms/${vmId}/nics/${first.id}`)
      assert.equal(refusal(removeDefault), "409 not-default-network")
      assert.deepEqual(
        first.allowedActions.find((a: Json) => a.action === "remove"),
        {
          action: "remove",
          operation: "nic.remove",
          allowed: false,
          rule: "not-default-network",
          kind: "conflict",
          message: "This is the VM's default network; set another network as default before removing it",
        },
      )
      const setDefault = await agent.call("PUT", `/api/v1/vms/${vmId}/nics/${joined.body.nic.id}/default`)
      assert.equal(setDefault.status, 200, JSON.stringify(setDefault.body))
      const removed = await agent.call("DELETE", `/api/v1/vms/${vmId}/nics/${first.id}`)
      assert.equal(removed.status, 200, JSON.stringify(removed.body))
      const left = await nicsOf(agent, vmId)
      assert.deepEqual(
        left.map((n) => [n.networkName, n.isDefault]),
        [["ops-isolated", true]],
      )
      const ledger = await agent.run(Store.use((s) => s.ipam.list({ nicId: first.id })))
      assert.deepEqual(ledger, [], "the removed NIC's address went back to the pool")
      const other = await createdVm(agent, "other_1")
      const notMine = await agent.call("DELETE", `/api/v1/vms/${other}/nics/${joined.body.nic.id}`)
      assert.equal(notMine.status, 404)
    })

    it("N2 the primary IP changes only while stopped; N3 N4 secondary IPs come from and go back to the pool", async () => {
      const running = await agent.call("POST", "/api/v1/vms", {
        body: {
          imageId: agent.world.image.id,
          flavorId: agent.world.flavor.id,
          name: "edit_1",
          networks: [{ networkId: tiny.id }],
        },
      })
      assert.equal(running.status, 202, JSON.stringify(running.body))
      await agent.settle(running.body.tasks[0].id)
      const vmId = running.body.vmIds[0]
      const [nic] = await nicsOf(agent, vmId)
      assert.equal(nic.allowedActions.find((a: Json) => a.action === "edit-primary-ip").rule, "stopped-only")
      // F9: no secondary IP, none to delete
      const removeSecondaryOf = (of: Json) => of.allowedActions.find((a: Json) => a.action === "remove-secondary-ip")
      assert.equal(removeSecondaryOf(nic).rule, "secondary-ip-exists")
      const path = `/api/v1/vms/${vmId}/nics/${nic.id}`
      assert.equal(
        refusal(await agent.call("PUT", `${path}/primary-ip`, { body: { ip: "10.64.0.3" } })),
        "409 stopped-only",
      )

      const added = await agent.call("POST", `${path}/secondary-ips`)
      assert.equal(added.status, 201, JSON.stringify(added.body))
      const secondary = added.body.address
      assert.equal(secondary, nic.primaryIp === "10.64.0.2" ? "10.64.0.3" : "10.64.0.2")
      assert.equal(refusal(await agent.call("POST", `${path}/secondary-ips`)), "409 network-free-ips")
      const [withSecondary] = await nicsOf(agent, vmId)
      assert.deepEqual([withSecondary.secondaryIps, removeSecondaryOf(withSecondary).allowed], [[secondary], true])
      // L2: the list's search finds the VM by its primary and by its secondary IP
      const found = async (search: string) =>
        (await agent.call("GET", `/api/v1/vms?search=${encodeURIComponent(search)}`)).body.items.map(
          (row: Json) => row.id,
        )
      assert.deepEqual(await found(nic.primaryIp), [vmId])
      assert.deepEqual(await found(secondary), [vmId])
      assert.equal(
        refusal(await agent.call("DELETE", `${path}/secondary-ips/${nic.primaryIp}`)),
        "422 secondary-ip-of-nic",
      )
      const deleted = await agent.call("DELETE", `${path}/secondary-ips/${secondary}`)
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
      assert.deepEqual((await nicsOf(agent, vmId))[0].secondaryIps, [])
      assert.deepEqual(await found(secondary), [], "a deleted secondary IP finds nothing")

      const stop = await agent.call("POST", `/api/v1/vms/${vmId}/stop`, { body: { force: true } })
      await agent.settle(stop.body.task.id)
      const edited = await agent.call("PUT", `${path}/primary-ip`, { body: { ip: secondary } })
      assert.equal(edited.status, 200, JSON.stringify(edited.body))
      assert.equal(edited.body.nic.primaryIp, secondary)
      const ledger = await agent.run(Store.use((s) => s.ipam.list({ nicId: nic.id })))
      assert.deepEqual(
        ledger.map((ip) => ip.address),
        [secondary],
        "the old primary IP went back",
      )
    })

    it("admin: a network in use cannot be deleted (network-in-use); an unused one can", async () => {
      assert.equal(
        refusal(await agent.call("DELETE", `/api/v1/networks/${shared.id}`, { as: "superadmin" })),
        "409 network-in-use",
      )
      assert.equal(refusal(await agent.call("DELETE", `/api/v1/networks/${theirs.id}`)), "403 superadmin-only")
      const gone = await agent.call("DELETE", `/api/v1/networks/${theirs.id}`, { as: "superadmin" })
      assert.equal(gone.status, 204)
      assert.equal(gone.body, undefined)
    })
  })

  describe(`C6 C8 20 parallel creates on a /28 on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("no address twice, the rest refused network-free-ips, nothing half-made", async () => {
      const net = await makeNetwork(agent, { name: "burst", kind: "shared", subnet: { cidr: "10.65.0.0/28" } })
      assert.equal(net.free, 13, "a /28 less network, gateway and broadcast")
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, n) => createVm(agent, `burst_${n}`, { networks: [{ networkId: net.id }] })),
      )
      const accepted = replies.filter((reply) => reply.status === 202)
      for (const reply of accepted) await agent.settle(reply.body.tasks[0].id)
      assert.equal(accepted.length, 13)
      assert.deepEqual([...new Set(replies.filter((r) => r.status !== 202).map(refusal))], ["409 network-free-ips"])
      const addresses = await Promise.all(
        accepted.map(async (reply) => (await nicsOf(agent, reply.body.vmIds[0]))[0].primaryIp),
      )
      assert.equal(new Set(addresses).size, 13, "13 distinct addresses")
      const vms = await agent.run(Store.use((s) => s.vms.list({})))
      assert.equal(vms.length, 13, "no VM of a refused create exists")
      const ledger = await agent.run(Store.use((s) => s.ipam.list({ subnetId: net.subnets[0].id })))
      assert.deepEqual(ledger.map((ip) => ip.address).sort(), [...addresses].sort(), "the ledger holds exactly them")
      assert.equal((await agent.call("GET", "/api/v1/networks")).body.items[0].free, 0)
    })
  })
}
