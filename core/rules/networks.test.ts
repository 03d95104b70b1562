import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Network, Nic } from "../model/network.ts"
import type { Vm } from "../model/vm.ts"
import {
  type FixedIp,
  fixedIpAvailable,
  type NetworkChoice,
  type NicContext,
  type NicJoinContext,
  networkAlreadyDefault,
  networkAvailable,
  networkFreeIps,
  networkRules,
  notDefaultNetwork,
  type SubnetFree,
  secondaryIpExists,
  secondaryIpOfNic,
  subnetAlreadyJoined,
} from "./networks.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleNetwork,
  sampleNic,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const id = <C>(context: C): C => context
const choice = (overrides: Partial<NetworkChoice> = {}): NetworkChoice => ({
  network: sampleNetwork({ id: "net-2", name: "shared-2" }),
  subnetId: "subnet-2",
  freeIps: 10,
  isDefault: false,
  dhcp: true,
  fixedIp: null,
  ...overrides,
})
const join = (overrides: Partial<NetworkChoice> = {}, joinedSubnetIds = ["subnet-1"]): NicJoinContext => ({
  ...sampleVmContext(),
  choice: choice(overrides),
  joinedSubnetIds,
})
const onNic = (nic: Partial<Nic> = {}, vm: Partial<Vm> = {}, freeIps = 10): NicContext => ({
  ...sampleVmContext({ vm: sampleVm(vm) }),
  nic: sampleNic(nic),
  subnet: { name: "shared-1", freeIps },
})
const isolated = (departmentId: string): Network => sampleNetwork({ kind: "isolated", departmentId })

describe("network rules", () => {
  const available = networkAvailable(id<{ networks: ReadonlyArray<Network>; departmentId: string }>)
  it("C6 N1 network-available: allows a shared network and the department's isolated one", () =>
    assertAllows(available, { networks: [sampleNetwork(), isolated("dept-1")], departmentId: "dept-1" }))
  it("C6 N1 network-available: refuses another department's isolated network", () =>
    assertRefuses(available, { networks: [isolated("dept-2")], departmentId: "dept-1" }))

  const free = networkFreeIps(id<{ subnets: ReadonlyArray<SubnetFree>; needed: number }>)
  it("C6 N3 network-free-ips: allows a network with a free IP", () =>
    assertAllows(free, { subnets: [{ name: "a", freeIps: 1 }], needed: 1 }))
  it("C6 network-free-ips: refuses a network with 0 free IPs", () =>
    assertRefuses(free, { subnets: [{ name: "a", freeIps: 0 }], needed: 1 }))

  const fixed = fixedIpAvailable(id<ReadonlyArray<FixedIp>>)
  it("C6 N2 fixed-ip-available: allows a free address of the subnet", () =>
    assertAllows(fixed, [{ address: "10.0.0.20", inSubnet: true, free: true }]))
  it("C6 N2 fixed-ip-available: refuses an address outside the subnet", () =>
    assertRefuses(fixed, [{ address: "192.168.9.9", inSubnet: false, free: true }]))
  it("C6 N2 fixed-ip-available: refuses an address in use", () =>
    assertRefuses(fixed, [{ address: "10.0.0.20", inSubnet: true, free: false }]))

  it("N1 subnet-already-joined: allows a new subnet", () => assertAllows(subnetAlreadyJoined, join()))
  it("N1 subnet-already-joined: refuses a subnet the VM is in", () =>
    assertRefuses(subnetAlreadyJoined, join({}, ["subnet-1", "subnet-2"])))

  it("N4 secondary-ip-of-nic: allows one of the NIC's secondary IPs", () =>
    assertAllows(secondaryIpOfNic, { ...onNic({ secondaryIps: ["10.0.0.11"] }), address: "10.0.0.11" }))
  it("N4 secondary-ip-of-nic: refuses the primary IP", () =>
    assertRefuses(secondaryIpOfNic, { ...onNic({ secondaryIps: ["10.0.0.11"] }), address: "10.0.0.10" }))

  it("N4 F9 secondary-ip-exists: allows a NIC with a secondary IP", () =>
    assertAllows(secondaryIpExists, onNic({ secondaryIps: ["10.0.0.11"] })))
  it("N4 F9 secondary-ip-exists: refuses a NIC without any", () =>
    assertRefuses(secondaryIpExists, onNic({ secondaryIps: [] })))

  it("N5 F9 network-already-default: allows another network", () =>
    assertAllows(networkAlreadyDefault, onNic({ isDefault: false })))
  it("N5 F9 network-already-default: refuses the default network", () =>
    assertRefuses(networkAlreadyDefault, onNic({ isDefault: true })))

  it("N6 not-default-network: allows removing a non-default network", () =>
    assertAllows(notDefaultNetwork, onNic({ isDefault: false })))
  it("N6 C6 not-default-network: refuses removing the default network", () => assertRefuses(notDefaultNetwork, onNic()))
})

describe("network rule lists", () => {
  it("N1 join: a shared network with room", () => assert.equal(refusedBy(networkRules.join, join()), undefined))
  it("N1 C6 join: a network with 0 free IPs cannot be chosen", () =>
    assert.equal(refusedBy(networkRules.join, join({ freeIps: 0 })), "network-free-ips"))
  it("N1 join: a fixed IP in use is refused", () =>
    assert.equal(
      refusedBy(networkRules.join, join({ fixedIp: { address: "10.0.1.5", inSubnet: true, free: false } })),
      "fixed-ip-available",
    ))
  it("N2 edit-primary-ip: stopped only", () => {
    const edit = (state: Vm["state"]) => ({
      ...onNic({}, { state }),
      ip: { address: "10.0.0.30", inSubnet: true, free: true },
    })
    assert.equal(refusedBy(networkRules["edit-primary-ip"], edit("stopped")), undefined)
    assert.equal(refusedBy(networkRules["edit-primary-ip"], edit("running")), "stopped-only")
  })
  it("N3 add-secondary-ip: needs a free address", () => {
    assert.equal(refusedBy(networkRules["add-secondary-ip"], onNic()), undefined)
    assert.equal(refusedBy(networkRules["add-secondary-ip"], onNic({}, {}, 0)), "network-free-ips")
  })
  it("N5 set-default: one operation at a time, on a network that is not the default yet", () => {
    assert.equal(refusedBy(networkRules["set-default"], onNic({ isDefault: false })), undefined)
    assert.equal(refusedBy(networkRules["set-default"], onNic({ isDefault: false }, { state: "rebooting" })), "vm-busy")
    assert.equal(refusedBy(networkRules["set-default"], onNic({ isDefault: true })), "network-already-default")
  })
  it("N4 F9 remove-secondary-ip: a NIC without secondary IPs has nothing to delete, before any address is judged", () => {
    const removing = (secondaryIps: ReadonlyArray<string>, address: string) => ({
      ...onNic({ secondaryIps: [...secondaryIps] }),
      address,
    })
    assert.equal(refusedBy(networkRules["remove-secondary-ip"], removing([], "10.0.0.11")), "secondary-ip-exists")
    assert.equal(
      refusedBy(networkRules["remove-secondary-ip"], removing(["10.0.0.11"], "10.0.0.10")),
      "secondary-ip-of-nic",
    )
    assert.equal(refusedBy(networkRules["remove-secondary-ip"], removing(["10.0.0.11"], "10.0.0.11")), undefined)
  })
  it("N6 remove: the default network stays", () =>
    assert.equal(refusedBy(networkRules.remove, onNic()), "not-default-network"))
})
