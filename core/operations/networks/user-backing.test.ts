import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Subnet } from "../../model/network.ts"
import { userNetAddressOf } from "./user-backing.ts"

const subnet = (cidr: string, gateway: string, dns: ReadonlyArray<string> = []): Subnet => ({
  id: "s1",
  networkId: "n1",
  cidr,
  gateway,
  dhcp: true,
  rangeStart: gateway,
  rangeEnd: gateway,
  reserved: [],
  dns,
})

describe("a user-mode NIC's address for the hypervisor's NAT (C6, N1)", () => {
  it("C6 the seeded default network: the NIC's IP, the gateway .2 and the subnet's DNS .3", () => {
    assert.deepEqual(userNetAddressOf(subnet("10.0.2.0/24", "10.0.2.2", ["10.0.2.3"]), "10.0.2.16"), {
      cidr: "10.0.2.0/24",
      gateway: "10.0.2.2",
      ip: "10.0.2.16",
      dns: "10.0.2.3",
    })
  })

  it("C6 the DNS address is never the gateway's nor the guest's own (QEMU refuses both)", () => {
    // a bridged network's layout under host networking off: gateway .1, addresses from .2
    assert.equal(userNetAddressOf(subnet("192.168.77.0/24", "192.168.77.1"), "192.168.77.3")?.dns, "192.168.77.4")
    assert.equal(userNetAddressOf(subnet("192.168.77.0/24", "192.168.77.3"), "192.168.77.4")?.dns, "192.168.77.5")
    // the subnet's own DNS server when it is usable, outside the subnet never
    assert.equal(userNetAddressOf(subnet("10.9.0.0/24", "10.9.0.1", ["10.9.0.53"]), "10.9.0.7")?.dns, "10.9.0.53")
    assert.equal(userNetAddressOf(subnet("10.9.0.0/24", "10.9.0.1", ["10.9.0.7"]), "10.9.0.7")?.dns, "10.9.0.3")
    assert.equal(userNetAddressOf(subnet("10.9.0.0/24", "10.9.0.1", ["8.8.8.8"]), "10.9.0.7")?.dns, "10.9.0.3")
  })

  it("C6 none for IPv6, or a subnet with no room for a DNS address: the hypervisor's own DHCP then", () => {
    assert.equal(userNetAddressOf(subnet("fd00::/64", "fd00::1"), "fd00::10"), undefined)
    assert.equal(userNetAddressOf(subnet("10.9.0.0/30", "10.9.0.1"), "10.9.0.3"), undefined)
  })
})
