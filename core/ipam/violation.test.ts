import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { IpamRefusal } from "./errors.ts"
import { ipamViolation } from "./violation.ts"

describe("IPAM refusals become the rules' refusals (C6, C8, N2)", () => {
  const name = (subnetId: string) => `net-of-${subnetId}`
  it("no free IPs: network-free-ips, naming the network and the counts", () => {
    const refused = ipamViolation(
      "vm.create",
      new IpamRefusal({ reason: { _tag: "NoFreeIps", subnetId: "s1", free: 2, needed: 5 } }),
      name,
    )
    assert.equal(refused.rule, "network-free-ips")
    assert.equal(refused.kind, "conflict")
    assert.equal(refused.message, "Network net-of-s1 has 2 free IPs; 5 needed")
    assert.equal(refused.messageZh, "网络 net-of-s1 可用IP数为 2，需要 5 个")
  })
  it("a taken fixed IP, and one outside the range: fixed-ip-available with the matching message", () => {
    const taken = ipamViolation(
      "nic.edit-primary-ip",
      new IpamRefusal({
        reason: { _tag: "AddressUnavailable", subnetId: "s1", address: "10.0.0.5", verdict: "taken" },
      }),
      name,
    )
    assert.equal(taken.rule, "fixed-ip-available")
    assert.equal(taken.message, "10.0.0.5 is already in use")
    for (const verdict of ["outside", "reserved", "invalid"] as const) {
      const outside = ipamViolation(
        "nic.join",
        new IpamRefusal({ reason: { _tag: "AddressUnavailable", subnetId: "s1", address: "10.9.0.5", verdict } }),
        name,
      )
      assert.equal(outside.rule, "fixed-ip-available")
      assert.equal(outside.message, "10.9.0.5 is not an address of this network", verdict)
    }
  })
})
