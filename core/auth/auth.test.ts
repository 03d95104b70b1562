import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { isValidPassword } from "../rules/inputs.ts"
import { canSee, scopeFilter } from "./scope.ts"
import { hashToken, randomPassword } from "./secrets.ts"

const actor = (role: "user" | "admin" | "superadmin", userId = "u1", departmentId = "d1") => ({
  userId,
  role,
  companyId: "c1",
  departmentId,
})
const vm = { companyId: "c1", departmentId: "d1", ownerId: "u1" }

describe("secrets at rest", () => {
  it("R11 random passwords always mix upper case, lower case and digits", () => {
    for (let i = 0; i < 200; i++) assert.ok(isValidPassword(randomPassword()), "valid")
    assert.equal(randomPassword(24).length, 24)
  })

  it("G1 tokens are stored as a SHA-256 digest, never the secret", () => {
    assert.match(hashToken("hx_abc"), /^[0-9a-f]{64}$/)
    assert.notEqual(hashToken("hx_abc"), hashToken("hx_abd"))
  })
})

describe("organisation scope (G1)", () => {
  it("G1 a user sees only what they own", () => {
    assert.equal(canSee(actor("user"), vm), true)
    assert.equal(canSee(actor("user", "u2"), vm), false)
    assert.deepEqual(scopeFilter(actor("user")), { ownerId: "u1" })
  })
  it("G1 an admin sees their department, not another", () => {
    assert.equal(canSee(actor("admin", "u9"), vm), true)
    assert.equal(canSee(actor("admin", "u9", "d2"), vm), false)
    assert.deepEqual(scopeFilter(actor("admin", "u9")), { departmentId: "d1" })
  })
  it("L1 an admin's 'mine' view narrows to what they own", () => {
    assert.deepEqual(scopeFilter(actor("admin", "u9"), true), { ownerId: "u9" })
  })
  it("G1 a superadmin sees everything", () => {
    assert.equal(canSee(actor("superadmin", "u9", "d9"), vm), true)
    assert.deepEqual(scopeFilter(actor("superadmin")), {})
  })
})
