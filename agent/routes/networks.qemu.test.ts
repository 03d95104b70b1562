/**
 * #15 end to end: the agent as `npm start` runs it with HYPERX_NETWORK=linux, its bridges, taps, firewall, dnsmasq
 * and QEMU inside a network namespace this test makes. Tiny guests created through the API get their addresses by
 * DHCP from IPAM's reservations, reach each other on one isolated network at the IPs the API shows, and cannot reach
 * a guest of another isolated network. The test talks to each guest through its guest agent (guest-exec).
 */
import assert from "node:assert/strict"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { Store } from "../../core/store/ports.ts"
import {
  addHostWithOutside,
  deleteNetns,
  linksWithPrefix,
  netnsSkipUnlessCi,
  sh,
  uniqueName,
} from "../../plugins/linux-net/testing.ts"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { qemuInstalled } from "../../plugins/qemu/driver/testing.ts"
import { connectAgent, guestShell, type JsonLines } from "../../plugins/qemu/guest/testing.ts"
import { jsonApi } from "../testing/json-api.ts"
import { useQemuAgent } from "../testing/qemu-agent.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

interface Guest {
  readonly name: string
  vmId: string
  hostname: string
  nicId: string
  ip: string
  agent?: JsonLines | undefined
}

/** Runs a command in the guest through its guest agent (the platform's driver connects to it only on demand). */
const shell = (guest: Guest, command: string) =>
  guestShell(guest.agent ?? assert.fail(`${guest.name}: no agent`), command)

const pings = async (from: Guest, address: string) =>
  (await shell(from, `ping -c 1 -W 3 ${address} > /dev/null 2>&1`)).code === 0

const skip = qemuInstalled() ? netnsSkipUnlessCi() : "QEMU is not installed"

describe("networks through the API on real QEMU and host networking (#15: C6, N1, N3, N4, N6)", { skip }, () => {
  const netns = uniqueName("hxapi")
  // the "outside" a shared network reaches: another namespace behind the host's uplink up0 (192.0.2.0/24)
  const outside = uniqueName("hxout")
  const prefix = "hxa"
  const prepare = async () => {
    addHostWithOutside(netns, outside)
    // the uplink is found from the default route, as on a real host
    sh(netns, "ip route add default via 192.0.2.2 dev up0")
  }
  const { live, log, data } = useQemuAgent("hx-net-api-", prepare, {
    env: { HYPERX_NETWORK: "linux", HYPERX_NETNS: netns, HYPERX_NET_PREFIX: prefix },
  })
  const guests: Record<"a1" | "a2" | "a3" | "b1" | "s1", Guest> = {
    a1: { name: "net_a1", vmId: "", hostname: "", nicId: "", ip: "" },
    a3: { name: "net_a3", vmId: "", hostname: "", nicId: "", ip: "" },
    a2: { name: "net_a2", vmId: "", hostname: "", nicId: "", ip: "" },
    b1: { name: "net_b1", vmId: "", hostname: "", nicId: "", ip: "" },
    s1: { name: "net_s1", vmId: "", hostname: "", nicId: "", ip: "" },
  }

  let netB = ""
  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  const untilState = async (vmId: string, state: string) => {
    for (let i = 0; i < 1200; i++) {
      const detail = await http("GET", `/api/v1/vms/${vmId}`)
      if (detail.body?.runtime?.state === state) return detail.body
      await sleep(250)
    }
    assert.fail(`${vmId} never reached ${state}\n${log.join("\n")}`)
  }

  before(async () => {
    const users = await live().runtime.runPromise(Store.use((s) => s.users.list()))
    const superadmin = users.find((user) => user.role === "superadmin") ?? assert.fail("no superadmin")
    const network = async (name: string, cidr: string, kind = "isolated") => {
      const reply = await http("POST", "/api/v1/networks", {
        name,
        kind,
        ...(kind === "shared" ? {} : { departmentId: superadmin.departmentId }),
        subnet: { cidr },
      })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      return reply.body.id as string
    }
    const netA = await network("iso-a", "10.91.0.0/24")
    netB = await network("iso-b", "10.92.0.0/24")
    const shared = await network("shared-s", "10.96.0.0/24", "shared")
    const choices: ReadonlyArray<readonly [Guest, Json]> = [
      [guests.a1, { networkId: netA }],
      [guests.a2, { networkId: netA }],
      // DHCP off: the fixed address reaches the guest on its kernel command line (hyperx.ip)
      [guests.a3, { networkId: netA, ip: "10.91.0.50", dhcp: false }],
      [guests.b1, { networkId: netB }],
      [guests.s1, { networkId: shared }],
    ]
    for (const [guest, choice] of choices) {
      const created = await http("POST", "/api/v1/vms", {
        imageId: "tiny-linux",
        flavorId: "tiny",
        name: guest.name,
        networks: [choice],
      })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      guest.vmId = created.body.vmIds[0]
    }
    for (const guest of Object.values(guests)) {
      const detail = await untilState(guest.vmId, "running")
      guest.hostname = detail.vm.hostname
      const [nic] = (await http("GET", `/api/v1/vms/${guest.vmId}/nics`)).body.items
      guest.nicId = nic.id
      guest.ip = nic.primaryIp
      guest.agent = await connectAgent(join(defaultRunRoot(join(data, "qemu")), guest.hostname, "qga.sock"), 180_000)
    }
  })

  after(() => {
    for (const guest of Object.values(guests)) guest.agent?.close()
  })
  after(() => {
    deleteNetns(netns)
    deleteNetns(outside)
  })

  it("C6 DHCP on: each guest's address is the one IPAM gave it (the API's primary IP)", async () => {
    for (const guest of [guests.a1, guests.a2, guests.b1]) {
      let shown = ""
      for (let i = 0; i < 120 && !shown.includes(`inet ${guest.ip}/24`); i++) {
        shown = (await shell(guest, "ip -4 -o addr show dev eth0")).out
        if (!shown.includes(`inet ${guest.ip}/24`)) await sleep(500)
      }
      assert.ok(shown.includes(`inet ${guest.ip}/24`), `${guest.name} shows ${shown}, IPAM gave ${guest.ip}`)
    }
  })

  it("C6 DHCP off: the fixed IP the API shows is the one set in the guest, and the network reaches it", async () => {
    const { a1, a3 } = guests
    assert.equal(a3.ip, "10.91.0.50")
    const [nic] = (await http("GET", `/api/v1/vms/${a3.vmId}/nics`)).body.items
    assert.equal(nic.dhcp, false)
    const shown = (await shell(a3, "ip -4 -o addr show dev eth0")).out
    assert.ok(shown.includes("inet 10.91.0.50/24"), shown)
    assert.ok(await pings(a1, a3.ip), `${a1.ip} → ${a3.ip}`)
  })

  it("two guests of one isolated network ping each other; a guest of another isolated network reaches neither", async () => {
    const { a1, a2, b1 } = guests
    assert.ok(await pings(a1, a2.ip), `${a1.ip} → ${a2.ip}`)
    assert.ok(await pings(a2, a1.ip), `${a2.ip} → ${a1.ip}`)
    // routes through each side's gateway (the host's bridge), so that only the host can keep the networks apart
    assert.equal((await shell(b1, "ip route add 10.91.0.0/24 via 10.92.0.1")).code, 0)
    assert.equal((await shell(a1, "ip route add 10.92.0.0/24 via 10.91.0.1")).code, 0)
    assert.equal(await pings(b1, a1.ip), false, "another isolated network is not reachable")
    assert.equal(await pings(a1, b1.ip), false, "nor the other way")
  })

  it("a guest on a shared network reaches an address outside it (NAT through the host's uplink); an isolated one does not", async () => {
    const { s1, a1 } = guests
    // the outside has no route back to 10.96.0.0/24: an answer proves the host masquerades
    assert.ok(await pings(s1, "192.0.2.2"), `${s1.ip} → 192.0.2.2`)
    // an isolated network's guest, even with a route through its gateway, is dropped at the host
    assert.equal((await shell(a1, "ip route add 192.0.2.0/24 via 10.91.0.1")).code, 0)
    assert.equal(await pings(a1, "192.0.2.2"), false, "an isolated network reaches nothing outside")
    assert.equal((await shell(a1, "ip route del 192.0.2.0/24 via 10.91.0.1")).code, 0)
  })

  it("N3 an acquired secondary IP, set in the guest, answers ping from the other guest; after N4 it does not", async () => {
    const { a1, a2 } = guests
    const added = await http("POST", `/api/v1/vms/${a2.vmId}/nics/${a2.nicId}/secondary-ips`, {})
    assert.equal(added.status, 201, JSON.stringify(added.body))
    const secondary: string = added.body.address
    assert.match(secondary, /^10\.91\.0\.\d+$/)
    assert.equal((await shell(a2, `ip addr add ${secondary}/24 dev eth0`)).code, 0)
    assert.ok(await pings(a1, secondary), `${a1.ip} → secondary ${secondary}`)
    const deleted = await http("DELETE", `/api/v1/vms/${a2.vmId}/nics/${a2.nicId}/secondary-ips/${secondary}`, {})
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
    const [nic] = (await http("GET", `/api/v1/vms/${a2.vmId}/nics`)).body.items
    assert.deepEqual(nic.secondaryIps, [])
    // the guest still holds the address, but its tap's source guard drops what it sends from it
    assert.ok((await shell(a2, "ip -4 -o addr show dev eth0")).out.includes(`inet ${secondary}/24`))
    assert.equal(await pings(a1, secondary), false, `${secondary} still answers after N4`)
    assert.ok(await pings(a1, a2.ip), "the primary IP still answers")
  })

  it("N1 a running guest joins the other network: the NIC is hot-plugged, DHCP gives it IPAM's address; N6 unplugs it", async () => {
    const { a1, b1 } = guests
    const before = linksWithPrefix(netns, prefix)
    await shell(a1, "ip route del 10.92.0.0/24 via 10.91.0.1")
    const joined = await http("POST", `/api/v1/vms/${a1.vmId}/nics`, { networkId: netB })
    assert.equal(joined.status, 201, JSON.stringify(joined.body))
    const ip: string = joined.body.nic.primaryIp
    assert.match(ip, /^10\.92\.0\.\d+$/)
    assert.equal(linksWithPrefix(netns, prefix).length, before.length + 1, "its tap is on the host")
    // the guest starts udhcpc on a NIC that appears (at most a second later)
    let shown = ""
    for (let i = 0; i < 120 && !shown.includes(`inet ${ip}/24`); i++) {
      shown = (await shell(a1, "ip -4 -o addr show dev eth1")).out
      if (!shown.includes(`inet ${ip}/24`)) await sleep(500)
    }
    assert.ok(shown.includes(`inet ${ip}/24`), `eth1 shows ${shown}, IPAM gave ${ip}`)
    assert.ok(await pings(a1, b1.ip), `${ip} → ${b1.ip} on iso-b`)

    const removed = await http("DELETE", `/api/v1/vms/${a1.vmId}/nics/${joined.body.nic.id}`, {})
    assert.equal(removed.status, 200, JSON.stringify(removed.body))
    assert.equal(linksWithPrefix(netns, prefix).length, before.length, "its tap left the host")
    assert.equal(await pings(a1, b1.ip), false, "iso-b is out of reach again")
  })

  it("destroying a VM through the API leaves none of its devices on the host", async () => {
    const { b1 } = guests
    const before = linksWithPrefix(netns, prefix)
    assert.ok(before.length >= 3, `bridges and taps in the namespace: ${before.join(", ")}`)
    b1.agent?.close()
    b1.agent = undefined
    const reply = await http("DELETE", `/api/v1/vms/${b1.vmId}?destroy=true`)
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    // the task ends once the host is synced (after the records went)
    let task: Json = reply.body.task
    for (let i = 0; i < 480 && task.state === "running"; i++) {
      await sleep(250)
      task = (await http("GET", `/api/v1/tasks/${task.id}`)).body
    }
    assert.equal(task.state, "succeeded", JSON.stringify(task))
    assert.equal((await http("GET", `/api/v1/vms/${b1.vmId}`)).status, 404)
    const left = linksWithPrefix(netns, prefix)
    // its tap and its network's bridge (no other NIC used iso-b) are gone; iso-a's stay
    assert.equal(left.length, before.length - 2, `left: ${left.join(", ")}`)
  })
})
