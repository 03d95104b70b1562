import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Actor } from "../../core/rules/context.ts"
import { ConsoleTickets } from "./tickets.ts"

const actor: Actor = { userId: "u1", role: "user", companyId: "c1", departmentId: "d1" }

describe("console tickets", () => {
  it("B5 a ticket grants its VM, kind and actor once; the second redemption finds nothing", () => {
    const tickets = new ConsoleTickets()
    const issued = tickets.issue({ vmId: "vm1", kind: "vnc", actor })
    assert.match(issued.ticket, /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(tickets.redeem(issued.ticket), { vmId: "vm1", kind: "vnc", actor })
    assert.equal(tickets.redeem(issued.ticket), undefined)
  })

  it("B5 a ticket expires 60 s after it was issued, to the millisecond", () => {
    const clock = { now: 1_000_000 }
    const tickets = new ConsoleTickets({ now: () => clock.now })
    const early = tickets.issue({ vmId: "vm1", kind: "serial", actor })
    const late = tickets.issue({ vmId: "vm1", kind: "serial", actor })
    assert.equal(early.expiresAt.getTime(), 1_060_000)
    clock.now += 59_999
    assert.equal(tickets.redeem(early.ticket)?.kind, "serial")
    clock.now += 1
    assert.equal(tickets.redeem(late.ticket), undefined)
  })

  it("tickets are unguessable and distinct; expired ones are dropped when new ones are issued", () => {
    const clock = { now: 0 }
    const tickets = new ConsoleTickets({ now: () => clock.now })
    const many = new Set(Array.from({ length: 200 }, () => tickets.issue({ vmId: "vm", kind: "vnc", actor }).ticket))
    assert.equal(many.size, 200)
    assert.equal(tickets.size, 200)
    clock.now = 60_000
    tickets.issue({ vmId: "vm", kind: "vnc", actor })
    assert.equal(tickets.size, 1)
  })
})
