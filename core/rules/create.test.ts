import assert from "node:assert/strict"
import { describe, it } from "node:test"
import {
  autoSockets,
  batchCount,
  batchNameGenerated,
  batchNames,
  type CreateContext,
  cpuTopology,
  createDemand,
  createRules,
  fixedIpSingleVm,
  nameTags,
  oneDefaultNetwork,
} from "./create.ts"
import type { NetworkChoice } from "./networks.ts"
import {
  assertAllows,
  assertRefuses,
  refusedBy,
  sampleActor,
  sampleCreateContext,
  sampleFlavor,
  sampleImage,
  sampleKeyPair,
  sampleNetwork,
  sampleQuota,
  sampleUser,
} from "./testing.ts"

const tags = { "app-group": "web", "app-role": "nginx", "app-type": "prod" }

const choice = (overrides: Partial<NetworkChoice> = {}): NetworkChoice => ({
  network: sampleNetwork(),
  subnetId: "subnet-1",
  freeIps: 50,
  isDefault: true,
  dhcp: true,
  fixedIp: null,
  ...overrides,
})

describe("create rules", () => {
  it("C1 batch-count: allows 10 VMs", () =>
    assertAllows(batchCount, sampleCreateContext({ request: { count: 10, tags } })))
  it("C1 batch-count: refuses 11 VMs", () => assertRefuses(batchCount, sampleCreateContext({ request: { count: 11 } })))
  it("C1 batch-count: refuses 0 VMs", () => assertRefuses(batchCount, sampleCreateContext({ request: { count: 0 } })))

  it("C1 batch-name-generated: allows a custom name for one VM", () =>
    assertAllows(batchNameGenerated, sampleCreateContext()))
  it("C1 batch-name-generated: refuses a custom name for several VMs", () =>
    assertRefuses(batchNameGenerated, sampleCreateContext({ request: { count: 3, name: "web", tags } })))

  const unnamed = (count: number, withTags: Record<string, string>) =>
    sampleCreateContext({ request: { count, tags: withTags } })
  it("C1 name-tags: allows several VMs with app-group, app-role and app-type tags", () =>
    assertAllows(nameTags, unnamed(3, tags)))
  it("C1 name-tags: refuses several VMs without the app-type tag", () =>
    assertRefuses(nameTags, unnamed(3, { "app-group": "web", "app-role": "nginx" })))
  it("C1 name-tags: one VM with a custom name needs no tags", () => assertAllows(nameTags, sampleCreateContext()))

  it("C6 one-default-network: allows exactly one default", () =>
    assertAllows(oneDefaultNetwork, sampleCreateContext({ networks: [choice(), choice({ isDefault: false })] })))
  it("C6 one-default-network: auto mode needs no default", () => assertAllows(oneDefaultNetwork, sampleCreateContext()))
  it("C6 one-default-network: refuses two defaults", () =>
    assertRefuses(oneDefaultNetwork, sampleCreateContext({ networks: [choice(), choice({ subnetId: "subnet-2" })] })))
  it("C6 one-default-network: refuses no default", () =>
    assertRefuses(oneDefaultNetwork, sampleCreateContext({ networks: [choice({ isDefault: false })] })))

  const fixed = { address: "10.0.0.20", inSubnet: true, free: true }
  it("C6 fixed-ip-single-vm: allows a fixed IP for one VM", () =>
    assertAllows(fixedIpSingleVm, sampleCreateContext({ networks: [choice({ fixedIp: fixed })] })))
  it("C6 C8 fixed-ip-single-vm: refuses a fixed IP for several VMs", () =>
    assertRefuses(
      fixedIpSingleVm,
      sampleCreateContext({ request: { count: 2, tags }, networks: [choice({ fixedIp: fixed })] }),
    ))
})

describe("vm.create rule list", () => {
  const check = (context: CreateContext) => refusedBy(createRules, context)
  it("C1 C2 C3 a valid request passes every rule", () => assert.equal(check(sampleCreateContext()), undefined))
  it("C1 name-format: a bad custom name is refused", () =>
    assert.equal(check(sampleCreateContext({ request: { name: "x" } })), "name-format"))
  it("G1 owner-in-scope: a user cannot create for someone else", () =>
    assert.equal(check(sampleCreateContext({ owner: sampleUser({ id: "user-2" }) })), "owner-in-scope"))
  it("G1 owner-in-scope: an admin creates for a user of their department", () =>
    assert.equal(
      check(sampleCreateContext({ actor: sampleActor({ role: "admin" }), owner: sampleUser({ id: "user-2" }) })),
      undefined,
    ))
  it("C1 R5 reclaim-date-future: a past reclaim date is refused", () =>
    assert.equal(
      check(sampleCreateContext({ request: { reclaimAt: new Date("2024-01-01T00:00:00Z") } })),
      "reclaim-date-future",
    ))
  it("C2 C3 image-min-cores: a 4-core image on a 2-CPU flavor is refused", () =>
    assert.equal(check(sampleCreateContext({ image: sampleImage({ minCores: 4 }) })), "image-min-cores"))
  it("C3 R13 ssh-key-linux-only: SSH key login on a Windows image is refused", () =>
    assert.equal(
      check(
        sampleCreateContext({
          image: sampleImage({ osFamily: "windows" }),
          keyPair: sampleKeyPair(),
          request: { loginMethod: "ssh-key" },
        }),
      ),
      "ssh-key-linux-only",
    ))
  it("C3 R13 key-pair-required: SSH key login without a key pair is refused", () =>
    assert.equal(check(sampleCreateContext({ request: { loginMethod: "ssh-key" } })), "key-pair-required"))
  it("C3 SSH key login with the owner's key pair passes", () =>
    assert.equal(
      check(sampleCreateContext({ request: { loginMethod: "ssh-key" }, keyPair: sampleKeyPair() })),
      undefined,
    ))
  it("R11 password-format: a weak password is refused", () =>
    assert.equal(check(sampleCreateContext({ request: { password: "123456" } })), "password-format"))
  it("C4 K4 sockets-divide-cpus: 3 sockets of a 2-CPU flavor are refused", () =>
    assert.equal(check(sampleCreateContext({ request: { sockets: 3 } })), "sockets-divide-cpus"))
  it("C6 network-free-ips: a network with 0 free IPs cannot be chosen", () =>
    assert.equal(check(sampleCreateContext({ networks: [choice({ freeIps: 0 })] })), "network-free-ips"))
  it("C6 C8 network-free-ips: auto mode needs a free IP per VM of the batch", () => {
    const context = sampleCreateContext({ request: { count: 5, tags } })
    assert.equal(check({ ...context, autoSubnet: { name: "shared-1", freeIps: 4 } }), "network-free-ips")
    assert.equal(check({ ...context, autoSubnet: { name: "shared-1", freeIps: 5 } }), undefined)
  })
  it("C1 batch-name-generated: a custom name for a batch is refused", () =>
    assert.equal(check(sampleCreateContext({ request: { count: 2, name: "web_01", tags } })), "batch-name-generated"))
  it("C1 name-tags: a batch without tags is refused", () =>
    assert.equal(check(sampleCreateContext({ request: { count: 2 } })), "name-tags"))
  it("G2 C8 quota-cpus: the whole batch counts against the quota", () => {
    const batch = (cpus: number) =>
      sampleCreateContext({
        request: { count: 10, tags },
        flavor: sampleFlavor({ cpus: 8 }),
        quota: sampleQuota({ cpus }),
      })
    assert.equal(check(batch(87)), "quota-cpus")
    assert.equal(check(batch(88)), undefined)
  })
})

describe("create helpers", () => {
  it("C4 autoSockets: the manual's five examples", () => {
    assert.deepEqual(autoSockets(16), { sockets: 2, coresPerSocket: 8 })
    assert.deepEqual(autoSockets(12), { sockets: 3, coresPerSocket: 4 })
    assert.deepEqual(autoSockets(6), { sockets: 3, coresPerSocket: 2 })
    assert.deepEqual(autoSockets(4), { sockets: 1, coresPerSocket: 4 })
    assert.deepEqual(autoSockets(3), { sockets: 1, coresPerSocket: 3 })
  })
  it("C4 autoSockets: 8 → 1×8, 2 → 1×2, 1 → 1×1", () => {
    assert.deepEqual(autoSockets(8), { sockets: 1, coresPerSocket: 8 })
    assert.deepEqual(autoSockets(2), { sockets: 1, coresPerSocket: 2 })
    assert.deepEqual(autoSockets(1), { sockets: 1, coresPerSocket: 1 })
  })
  it("K4 cpuTopology: sockets by hand give the cores per socket", () => {
    assert.deepEqual(cpuTopology(16, 4), { sockets: 4, coresPerSocket: 4 })
    assert.deepEqual(cpuTopology(12, "auto"), { sockets: 3, coresPerSocket: 4 })
  })
  it("C1 batchNames: app-group-app-role + sequence + app-type + -company number", () => {
    assert.deepEqual(batchNames(tags, 3, "007", 0), [
      "web-nginx01prod-007",
      "web-nginx02prod-007",
      "web-nginx03prod-007",
    ])
  })
  it("C1 batchNames: the sequence continues after existing VMs and grows past 99", () => {
    assert.deepEqual(batchNames(tags, 2, "1", 98), ["web-nginx99prod-1", "web-nginx100prod-1"])
  })
  it("C1 batchNames: Chinese tag values make Chinese names", () => {
    assert.deepEqual(batchNames({ "app-group": "订单", "app-role": "接口", "app-type": "生产" }, 1, "02", 0), [
      "订单-接口01生产-02",
    ])
  })
  it("C1 batchNames: no names without the three tags", () =>
    assert.equal(batchNames({ "app-group": "web" }, 2, "1", 0), undefined))
  it("G2 C8 createDemand: the whole batch with system and data disks", () => {
    const request = sampleCreateContext({ request: { count: 3, dataDisks: [{ sizeGiB: 10 }, { sizeGiB: 5 }] } }).request
    assert.deepEqual(
      createDemand(request, sampleFlavor({ cpus: 4, memoryMiB: 8192 }), sampleImage({ minDiskGiB: 20 })),
      {
        cpus: 12,
        memoryMiB: 24576,
        diskGiB: 105,
        vmCount: 3,
      },
    )
  })
})
