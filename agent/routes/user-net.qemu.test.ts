/**
 * C6, N1 on user-mode networking (host networking off, the seeded `default` network): QEMU's own DHCP hands each
 * guest the address IPAM gave its NIC. Before, every guest got 10.0.2.15 while the API showed .15, .16, … (newuser2 F1).
 */
import assert from "node:assert/strict"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { qemuInstalled } from "../../plugins/qemu/driver/testing.ts"
import { connectAgent, guestShell, type JsonLines } from "../../plugins/qemu/guest/testing.ts"
import { jsonApi } from "../testing/json-api.ts"
import { useQemuAgent } from "../testing/qemu-agent.ts"

describe("user-mode NICs hold the address the API shows (C6, N1)", {
  skip: !qemuInstalled() && "QEMU is not installed",
}, () => {
  const { live, log, data } = useQemuAgent("hx-user-net-")
  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  const agents: Array<JsonLines> = []
  after(() => {
    for (const agent of agents) agent.close()
  })

  const untilRunning = async (vmId: string) => {
    for (let i = 0; i < 1200; i++) {
      const detail = await http("GET", `/api/v1/vms/${vmId}`)
      if (detail.body?.runtime?.state === "running") return detail.body.vm.hostname as string
      await sleep(250)
    }
    assert.fail(`${vmId} never ran\n${log.join("\n")}`)
  }

  /** The guest's IPv4 address on a device once DHCP gave it one, through its guest agent. */
  const guestAddress = async (agent: JsonLines, device: string) => {
    let shown = ""
    for (let i = 0; i < 120 && !/inet \d/.test(shown); i++) {
      shown = (await guestShell(agent, `ip -4 -o addr show dev ${device}`)).out
      if (!/inet \d/.test(shown)) await sleep(500)
    }
    return /inet (\S+)\//.exec(shown)?.[1]
  }

  const guests: Array<{ vmId: string; ip: string; agent: JsonLines }> = []
  before(async () => {
    for (const name of ["user_a", "user_b"]) {
      const created = await http("POST", "/api/v1/vms", {
        imageId: "tiny-linux",
        flavorId: "tiny",
        name,
        networks: "auto",
      })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      const vmId = created.body.vmIds[0] as string
      const hostname = await untilRunning(vmId)
      const [nic] = (await http("GET", `/api/v1/vms/${vmId}/nics`)).body.items
      const agent = await connectAgent(join(defaultRunRoot(join(data, "qemu")), hostname, "qga.sock"), 180_000)
      agents.push(agent)
      guests.push({ vmId, ip: nic.primaryIp, agent })
    }
  })

  it("C6 two guests on the default network: each holds its own API address, not QEMU's first one", async () => {
    assert.notEqual(guests[0]?.ip, guests[1]?.ip)
    for (const guest of guests) assert.equal(await guestAddress(guest.agent, "eth0"), guest.ip)
  })

  it("N1 a running guest joins another user-mode network: the hot-plugged NIC gets the API's address there", async () => {
    const network = await http("POST", "/api/v1/networks", {
      name: "user-b",
      kind: "shared",
      backing: "user",
      subnet: { cidr: "10.0.3.0/24", rangeStart: "10.0.3.20" },
    })
    assert.equal(network.status, 201, JSON.stringify(network.body))
    const guest = guests[0] ?? assert.fail("no guest")
    const joined = await http("POST", `/api/v1/vms/${guest.vmId}/nics`, { networkId: network.body.id })
    assert.equal(joined.status, 201, JSON.stringify(joined.body))
    assert.equal(joined.body.nic.primaryIp, "10.0.3.20")
    assert.equal(await guestAddress(guest.agent, "eth1"), "10.0.3.20")
  })
})
