import assert from "node:assert/strict"
import type { User } from "../model/org.ts"
import type { Vm, VmCreateRequest } from "../model/vm.ts"
import type { VmFacts } from "../store/ports.ts"
import { sampleRows } from "../store/testing/sample-rows.ts"
import type { Actor, VmContext } from "./context.ts"
import { type CreateContext, createDemand } from "./create.ts"
import { firstRefusal, messageOf, type Rule } from "./rule.ts"
import { sampleFlavor, sampleImage, sampleQuota, sampleUsage } from "./testing-records.ts"

export * from "./testing-records.ts"

// Small, valid records for tests: one company, one department, one Linux VM running on host-1.

export const sampleNow = new Date("2025-03-01T08:00:00Z")
const created = new Date("2025-01-01T00:00:00Z")

export const sampleActor = (overrides: Partial<Actor> = {}): Actor => ({
  userId: "user-1",
  role: "user",
  companyId: "company-1",
  departmentId: "dept-1",
  ...overrides,
})

export const sampleUser = (overrides: Partial<User> = {}): User => ({
  id: "user-1",
  name: "Li Lei",
  email: "lilei@example.com",
  role: "user",
  companyId: "company-1",
  departmentId: "dept-1",
  createdAt: created,
  ...overrides,
})

export const sampleFacts = (overrides: Partial<VmFacts> = {}): VmFacts => ({
  snapshots: 0,
  snapshotSchedules: 0,
  backups: 0,
  backupSchedules: 0,
  gpus: 0,
  usbDevices: 0,
  ...overrides,
})

/** A running VM of user-1 in dept-1 on host-1; the store's sample row with the ids the rule tests use. */
export const sampleVm = (overrides: Partial<Vm> = {}): Vm =>
  sampleRows.vm({
    id: "vm-1",
    displayName: "web_01",
    hostname: "hx-vm-1",
    ownerId: "user-1",
    companyId: "company-1",
    departmentId: "dept-1",
    flavorId: "flavor-2c4g",
    imageId: "image-linux",
    state: "running",
    hostId: "host-1",
    zone: "zone-1",
    monitoringInstalled: true,
    createdBy: "user-1",
    createdAt: created,
    updatedAt: created,
    ...overrides,
  })

export const sampleVmContext = (overrides: Partial<VmContext> = {}): VmContext => ({
  actor: sampleActor(),
  vm: sampleVm(),
  facts: sampleFacts(),
  osFamily: "linux",
  passwordManaged: true,
  ...overrides,
})

/** One VM named web_01; a batch (count > 1) gets no name, as the manual generates batch names from tags. */
export const sampleCreateRequest = (overrides: Partial<VmCreateRequest> = {}): VmCreateRequest => ({
  count: 1,
  ...((overrides.count ?? 1) === 1 ? { name: "web_01" } : {}),
  imageId: "image-linux",
  flavorId: "flavor-2c4g",
  ...overrides,
})

/** A create that passes every rule; the quota demand follows the request unless given. */
export const sampleCreateContext = (
  overrides: Partial<Omit<CreateContext, "request">> & { readonly request?: Partial<VmCreateRequest> } = {},
): CreateContext => {
  const { request: requestOverrides, ...rest } = overrides
  const request = sampleCreateRequest(requestOverrides)
  const flavor = rest.flavor ?? sampleFlavor()
  const image = rest.image ?? sampleImage()
  return {
    actor: sampleActor(),
    owner: sampleUser(),
    keyPair: null,
    affinityGroups: [],
    hasDedicatedHost: false,
    networks: [],
    autoSubnet: { name: "shared-1", freeIps: 100 },
    now: sampleNow,
    quota: sampleQuota(),
    usage: sampleUsage(),
    ...rest,
    request,
    flavor,
    image,
    demand: rest.demand ?? createDemand(request, flavor, image),
  }
}

/** The rule lets the context through. */
export const assertAllows = <C>(rule: Rule<C>, context: C): void => {
  assert.equal(rule.allows(context), true, `${rule.name} should allow`)
}

/** The rule refuses the context, with a message in English and in Chinese. */
export const assertRefuses = <C>(rule: Rule<C>, context: C): void => {
  assert.equal(rule.allows(context), false, `${rule.name} should refuse`)
  const message = messageOf(rule, context)
  assert.ok(message.en.trim().length > 0, `${rule.name}: English message`)
  assert.match(message.zh, /\p{Script=Han}/u, `${rule.name}: Chinese message`)
}

/** The name of the first rule of an operation's list that refuses, or undefined when all allow. */
export const refusedBy = <C>(rules: ReadonlyArray<Rule<C>>, context: C): string | undefined =>
  firstRefusal(rules, context)?.name
