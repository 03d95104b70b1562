import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { adminOnly, type BatchContext, batchAction, batchSelection, ownerInScope, superadminOnly } from "./platform.ts"
import { quotaCpus, quotaDisk, quotaMemory, quotaRules, quotaVmCount } from "./quota.ts"
import { firstRefusal } from "./rule.ts"
import { assertAllows, assertRefuses, sampleActor, sampleQuota, sampleUsage, sampleUser } from "./testing.ts"

const as = (role: "user" | "admin" | "superadmin") => ({ actor: sampleActor({ role }) })

describe("platform rules", () => {
  it("R7 R9 superadmin-only: allows a superadmin", () => assertAllows(superadminOnly, as("superadmin")))
  it("R7 R9 superadmin-only: refuses an admin", () => assertRefuses(superadminOnly, as("admin")))

  it("G3 admin-only: allows an admin", () => assertAllows(adminOnly, as("admin")))
  it("G3 admin-only: refuses a user", () => assertRefuses(adminOnly, as("user")))

  describe("G1 owner-in-scope", () => {
    const rule = ownerInScope(
      (c: { actor: ReturnType<typeof sampleActor>; owner: ReturnType<typeof sampleUser> }) => c.owner,
    )
    const colleague = sampleUser({ id: "user-2" })
    const stranger = sampleUser({ id: "user-3", departmentId: "dept-2" })
    it("G1 owner-in-scope: a user creates for themself", () =>
      assertAllows(rule, { actor: sampleActor(), owner: sampleUser() }))
    it("G1 owner-in-scope: refuses a user creating for a colleague", () =>
      assertRefuses(rule, { actor: sampleActor(), owner: colleague }))
    it("G1 owner-in-scope: an admin creates for users of their department", () =>
      assertAllows(rule, { actor: sampleActor({ role: "admin" }), owner: colleague }))
    it("G1 owner-in-scope: refuses an admin creating for another department", () =>
      assertRefuses(rule, { actor: sampleActor({ role: "admin" }), owner: stranger }))
    it("G1 owner-in-scope: a superadmin creates for anyone", () =>
      assertAllows(rule, { actor: sampleActor({ role: "superadmin" }), owner: stranger }))
  })

  const batch = (overrides: Partial<BatchContext> = {}): BatchContext => ({
    actor: sampleActor(),
    action: "stop",
    vmIds: ["vm-1", "vm-2"],
    ...overrides,
  })
  it("L7 batch-action: allows a snapshot batch", () => assertAllows(batchAction, batch({ action: "snapshot" })))
  it("L7 batch-action: refuses a migrate batch", () => assertRefuses(batchAction, batch({ action: "migrate" })))
  it("L7 batch-selection: allows a selection", () => assertAllows(batchSelection, batch()))
  it("L7 batch-selection: refuses an empty selection", () => assertRefuses(batchSelection, batch({ vmIds: [] })))
})

describe("G2 quota rules", () => {
  const quota = sampleQuota({ cpus: 16, memoryMiB: 32768, diskGiB: 500, vmCount: 5 })
  const usage = sampleUsage({ cpus: 12, memoryMiB: 16384, diskGiB: 400, vmCount: 4 })
  const asking = (demand: Partial<{ cpus: number; memoryMiB: number; diskGiB: number; vmCount: number }>) => ({
    quota,
    usage,
    demand: { cpus: 0, memoryMiB: 0, diskGiB: 0, vmCount: 0, ...demand },
  })
  it("G2 quota-cpus: allows up to the quota exactly", () => assertAllows(quotaCpus, asking({ cpus: 4 })))
  it("G2 quota-cpus: refuses one CPU over, saying how many are left", () => {
    assertRefuses(quotaCpus, asking({ cpus: 5 }))
  })
  it("G2 quota-memory: allows what fits", () => assertAllows(quotaMemory, asking({ memoryMiB: 16384 })))
  it("G2 quota-memory: refuses what does not", () => assertRefuses(quotaMemory, asking({ memoryMiB: 16385 })))
  it("G2 quota-disk: allows what fits", () => assertAllows(quotaDisk, asking({ diskGiB: 100 })))
  it("G2 quota-disk: refuses what does not", () => assertRefuses(quotaDisk, asking({ diskGiB: 101 })))
  it("G2 quota-vm-count: allows the last VM", () => assertAllows(quotaVmCount, asking({ vmCount: 1 })))
  it("G2 quota-vm-count: refuses one VM too many", () => assertRefuses(quotaVmCount, asking({ vmCount: 2 })))
  it("G2 quota: a null quota is unlimited", () =>
    assert.equal(firstRefusal(quotaRules, { ...asking({ cpus: 1000 }), quota: { ...quota, cpus: null } }), undefined))
  it("G2 quota: a demand that frees resources passes even over quota", () =>
    assert.equal(firstRefusal(quotaRules, { ...asking({ cpus: -2 }), usage: { ...usage, cpus: 20 } }), undefined))
})
