import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Schema } from "effect"
import { Operation } from "../model/operation.ts"
import { Vm } from "../model/vm.ts"
import { type AnyRule, findRule, operationRuleLists, operationRules, ruleCatalog } from "./catalog.ts"
import * as rules from "./index.ts"
import { messageOf } from "./rule.ts"
import {
  sampleCreateContext,
  sampleFlavor,
  sampleHost,
  sampleHostDevice,
  sampleHostUsage,
  sampleImage,
  sampleNetwork,
  sampleNic,
  sampleSnapshot,
  sampleVm,
  sampleVmContext,
} from "./testing.ts"

const featureId = /^[LDCBRKXVNPMGH]\d+$/
const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

/** Every field any rule's message reads, so dynamic messages can be rendered without their operation. */
const everything = {
  ...sampleCreateContext(),
  ...sampleVmContext({ vm: sampleVm({ state: "starting" }) }),
  action: "migrate",
  vmIds: [],
  flavor: sampleFlavor(),
  image: sampleImage(),
  count: 2,
  freeGpus: 1,
  targetHost: sampleHost(),
  host: sampleHost(),
  targetUsage: sampleHostUsage(),
  device: sampleHostDevice(),
  nic: sampleNic(),
  subnet: { name: "shared-1", freeIps: 0 },
  subnets: [{ name: "shared-1", freeIps: 0 }],
  choice: { network: sampleNetwork(), subnetId: "subnet-1", freeIps: 0, isDefault: true, dhcp: true, fixedIp: null },
  ip: { address: "10.0.0.9", inSubnet: false, free: true },
  address: "10.0.0.9",
  snapshot: sampleSnapshot({ state: "creating" }),
  period: "daily",
  existingPeriods: ["daily"],
  sockets: 3,
  target: "password",
  name: "x",
  components: [],
  layoutProblems: [{ en: "gateway 10.1.0.1 is outside 10.0.0.0/24", zh: "网关 10.1.0.1 不在 10.0.0.0/24 内" }],
  nicCount: 2,
  localDisks: ["data-1"],
}

const allInstances: ReadonlyArray<AnyRule> = Object.values(operationRuleLists).flat()

describe("rule catalogue", () => {
  it("H1 every rule name is kebab-case and listed once", () => {
    const names = ruleCatalog.map((rule) => rule.name)
    assert.equal(new Set(names).size, names.length)
    for (const name of names) assert.match(name, kebab)
  })

  it("H1 instances sharing a name are one rule: same features and kind", () => {
    for (const rule of allInstances) {
      const entry = findRule(rule.name)
      assert.ok(entry, rule.name)
      assert.deepEqual(rule.features, entry.features, rule.name)
      assert.equal(rule.kind, entry.kind, rule.name)
      if (typeof entry.message !== "function") assert.deepEqual(rule.message, entry.message, rule.name)
    }
  })

  it("H1 every rule names the features it comes from", () => {
    for (const rule of ruleCatalog) {
      assert.ok(rule.features.length > 0, rule.name)
      for (const feature of rule.features) assert.match(feature, featureId, rule.name)
    }
  })

  it("H1 every rule has an English and a Chinese message", () => {
    for (const rule of ruleCatalog) {
      const message = messageOf(rule, everything as never)
      assert.ok(message.en.trim().length > 0, rule.name)
      assert.match(message.zh, /\p{Script=Han}/u, rule.name)
    }
  })

  it("H1 every operation has an entry, and every name in it is in the catalogue", () => {
    for (const operation of Operation.literals) {
      const names = operationRules[operation]
      assert.ok(Array.isArray(names), operation)
      for (const name of names) assert.ok(findRule(name), `${operation}: ${name}`)
    }
    assert.deepEqual(Object.keys(operationRules).sort(), [...Operation.literals].sort())
  })

  it("H1 every rule the modules export is checked by some operation", () => {
    const isRule = (value: unknown): value is AnyRule =>
      typeof value === "object" && value !== null && "name" in value && "allows" in value && "features" in value
    const exported = (Object.values(rules) as ReadonlyArray<unknown>).filter(isRule)
    assert.ok(exported.length > 40)
    for (const rule of exported) assert.ok(findRule(rule.name), `${rule.name} is exported but never checked`)
  })

  it("H1 only operations without a precondition have no rules", () => {
    const empty = Object.entries(operationRules)
      .filter(([, names]) => names.length === 0)
      .map(([operation]) => operation)
      .sort()
    assert.deepEqual(empty, [
      "disk.delete-backup",
      "disk.delete-backup-schedule",
      "snapshot.delete-schedule",
      "vm.reclaim",
      "vm.reclaim-notice",
      "vm.reconcile",
    ])
  })

  it("B4 R7 R9 the role rules guard what the manual reserves for superadmins", () => {
    assert.ok(operationRules["vm.deletion-protection"].includes("superadmin-only"))
    assert.ok(operationRules["vm.migrate"].includes("superadmin-only"))
    assert.ok(operationRules["vm.restore"].includes("superadmin-only"))
    assert.ok(operationRules["vm.purge"].includes("admin-only"))
  })

  it("H1 the sample VM is a valid Vm record", () => {
    assert.doesNotThrow(() => Schema.decodeUnknownSync(Vm)(sampleVm()))
  })
})
