// #15 on libvirt: the agent with `--driver libvirt` and HYPERX_NETWORK=linux makes an isolated network's bridge, a
// tap per NIC and dnsmasq on this host (libvirtd's domains run in the host's own namespace, so the devices are there
// too, under a prefix of this run's own; isolated: no forwarding, no NAT, nothing leaves the bridge). A VM created on
// the network through the API runs under libvirt with its NIC on the platform's tap, and the guest's own view (its
// guest agent, through libvirt) shows the address IPAM gave it by DHCP. Destroying it leaves no device behind.
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { describe, it } from "node:test"
import { libvirtUnavailable } from "../../plugins/libvirt/testing/setup.ts"
import { virsh } from "../../plugins/libvirt/testing/virsh-cli.ts"
import { netnsSkipUnlessCi } from "../../plugins/linux-net/testing.ts"
import { useLibvirtAgent } from "../testing/libvirt-agent.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

/** The guest's IPv4 addresses per interface, as its guest agent reports them (through libvirt). */
const guestAddresses = (domain: string): ReadonlyArray<string> => {
  try {
    const reply = JSON.parse(
      virsh("qemu-agent-command", domain, JSON.stringify({ execute: "guest-network-get-interfaces" })),
    ) as { return: ReadonlyArray<{ "ip-addresses"?: ReadonlyArray<{ "ip-address": string }> }> }
    return reply.return.flatMap((nic) => (nic["ip-addresses"] ?? []).map((ip) => ip["ip-address"]))
  } catch {
    return [] // the guest agent is not up yet
  }
}

const links = (prefix: string): ReadonlyArray<string> =>
  (JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as Array<{ ifname: string }>)
    .map((link) => link.ifname)
    .filter((name) => name.startsWith(prefix))

const skip = libvirtUnavailable() || netnsSkipUnlessCi()

describe("#15 a libvirt guest on a network gets IPAM's address by DHCP, on the platform's tap", { skip }, () => {
  const prefix = `hl${randomBytes(2).toString("hex")}`
  // whatever a failed run left: this run's devices and firewall tables only
  const cleanUp = () => {
    for (const link of links(prefix)) execFileSync("ip", ["link", "del", link], { stdio: "ignore" })
    for (const family of ["inet", "bridge"]) {
      try {
        execFileSync("nft", ["delete", "table", family, `hyperx_${prefix}`], { stdio: "ignore" })
      } catch {
        // not there
      }
    }
  }
  const folder = useLibvirtAgent("hx-libvirt-net-", cleanUp)

  it("C6 the VM runs under libvirt on its tap; the guest holds the primary IP the API shows; destroyed, no device is left", async () => {
    const {
      run: running,
      api,
      until,
      stop,
    } = await folder.start({ HYPERX_NETWORK: "linux", HYPERX_NET_PREFIX: prefix })
    // the caller (the printed token's superadmin) owns the VM: the isolated network is its department's
    const users: ReadonlyArray<Json> = (await api("GET", "/users")).body.items
    const superadmin = users.find((user) => user.role === "superadmin") ?? assert.fail(JSON.stringify(users))
    const network = await api("POST", "/networks", {
      name: "lv-iso",
      kind: "isolated",
      departmentId: superadmin.departmentId,
      subnet: { cidr: "10.97.0.0/24" },
    })
    assert.equal(network.status, 201, JSON.stringify(network.body))
    const created = await api("POST", "/vms", {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: `lvnet_${prefix}`,
      networks: [{ networkId: network.body.id }],
    })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    const id: string = created.body.vmIds[0]
    await until("the VM running", async () => (await api("GET", `/vms/${id}`)).body?.runtime?.state === "running")
    const hostname: string = (await api("GET", `/vms/${id}`)).body.vm.hostname
    const [nic] = (await api("GET", `/vms/${id}/nics`)).body.items
    assert.match(nic.primaryIp, /^10\.97\.0\.\d+$/)

    // libvirt opened the platform's tap (its name carries the source guard), on the network's bridge
    const xml = virsh("dumpxml", hostname)
    const tap = xml.match(/<interface type='ethernet'>[\s\S]*?<target dev='([^']+)'/)?.[1] ?? ""
    assert.ok(tap.startsWith(prefix), xml)
    assert.match(xml, new RegExp(`<mac address='${nic.mac}'/>`))
    assert.ok(links(prefix).includes(tap))

    await until(`the guest holds ${nic.primaryIp}`, () => guestAddresses(hostname).includes(nic.primaryIp))

    const destroyed = await api("DELETE", `/vms/${id}?destroy=true`)
    assert.equal(destroyed.status, 202, JSON.stringify(destroyed.body))
    await until("the VM gone", async () => (await api("GET", `/vms/${id}`)).status === 404)
    await until("its tap and bridge gone", () => links(prefix).length === 0, 60_000)

    assert.equal(await stop(), 0, running.stderr)
  })
})
