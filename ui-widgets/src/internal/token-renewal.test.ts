import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { askProvider, expiryOf, renewalDelay } from "./token-renewal.ts"

describe("#21 token renewal", () => {
  it("renews a fifth of the remaining life before the expiry, at most a minute before, at once when already due", () => {
    assert.equal(renewalDelay(10_000, 0), 8_000)
    assert.equal(renewalDelay(900_000, 0), 840_000)
    assert.equal(renewalDelay(1_000, 5_000), 0)
  })

  it("token-expires reads as an ISO date or epoch milliseconds; nothing or rubbish: no expiry", () => {
    assert.equal(expiryOf("2027-01-01T00:00:00.000Z"), Date.UTC(2027, 0, 1))
    assert.equal(expiryOf(String(Date.UTC(2027, 0, 1))), Date.UTC(2027, 0, 1))
    assert.equal(expiryOf(""), undefined)
    assert.equal(expiryOf("soon"), undefined)
  })

  it("elements asking one provider at the same moment share one call; a plain string answer has no expiry", async () => {
    let calls = 0
    const provider = async () => {
      calls += 1
      return `hx_${calls}`
    }
    const [a, b] = await Promise.all([askProvider(provider), askProvider(provider)])
    assert.deepEqual([a, b, calls], [{ token: "hx_1", expiresAt: "" }, { token: "hx_1", expiresAt: "" }, 1])
    assert.equal((await askProvider(provider)).token, "hx_2", "a later ask calls again")
  })
})
