import assert from "node:assert/strict"
import { describe, it } from "node:test"
import {
  isValidName,
  isValidPassword,
  nameFormat,
  passwordFormat,
  type ReclaimDate,
  reclaimDateFuture,
  type SocketChoice,
  socketsDivideCpus,
} from "./inputs.ts"
import { assertAllows, assertRefuses, sampleNow } from "./testing.ts"

describe("input rules", () => {
  const name = nameFormat((c: { name?: string }) => c.name)
  it("C1 R2 name-format: allows letters, digits, Chinese and underscores", () =>
    assertAllows(name, { name: "订单_Web01" }))
  it("C1 R2 name-format: refuses a hyphen", () => assertRefuses(name, { name: "web-01" }))
  it("C1 name-format: 2 and 20 characters are the limits, counted as characters", () => {
    assert.equal(isValidName("ab"), true)
    assert.equal(isValidName("a"), false)
    assert.equal(isValidName(`${"服务器".repeat(6)}ab`), true)
    assert.equal(isValidName("服".repeat(21)), false)
    assert.equal(isValidName("a".repeat(21)), false)
    assert.equal(isValidName("web 01"), false)
  })
  it("C1 name-format: no name given (generated) passes", () => assertAllows(name, {}))

  const password = passwordFormat((c: { password: string | null }) => c.password)
  it("R11 password-format: allows mixed case and digits with special characters", () =>
    assertAllows(password, { password: "Secr3t!#" }))
  it("R11 password-format: refuses a password without upper case", () =>
    assertRefuses(password, { password: "secr3t!#" }))
  it("R11 password-format: 6 to 32 characters, all three kinds needed", () => {
    assert.equal(isValidPassword("Abc123"), true)
    assert.equal(isValidPassword("Abc12"), false)
    assert.equal(isValidPassword(`Ab1${"x".repeat(29)}`), true)
    assert.equal(isValidPassword(`Ab1${"x".repeat(30)}`), false)
    assert.equal(isValidPassword("ABCDEF1"), false)
    assert.equal(isValidPassword("Abcdefg"), false)
    assert.equal(isValidPassword("Abc 123"), false)
  })
  it("R11 password-format: a random password (none given) passes", () => assertAllows(password, { password: null }))

  const reclaim = reclaimDateFuture((c: ReclaimDate) => c)
  it("R5 reclaim-date-future: allows a date in the future", () =>
    assertAllows(reclaim, { reclaimAt: new Date("2025-06-01T00:00:00Z"), now: sampleNow }))
  it("R5 reclaim-date-future: allows turning reclaiming off", () =>
    assertAllows(reclaim, { reclaimAt: null, now: sampleNow }))
  it("R5 reclaim-date-future: refuses a date in the past", () =>
    assertRefuses(reclaim, { reclaimAt: new Date("2025-01-01T00:00:00Z"), now: sampleNow }))

  const sockets = socketsDivideCpus((c: SocketChoice) => c)
  it("C4 K4 sockets-divide-cpus: allows 4 sockets of 16 CPUs", () => assertAllows(sockets, { sockets: 4, cpus: 16 }))
  it("C4 sockets-divide-cpus: auto always passes", () => assertAllows(sockets, { sockets: "auto", cpus: 7 }))
  it("C4 K4 sockets-divide-cpus: refuses 3 sockets of 16 CPUs", () => assertRefuses(sockets, { sockets: 3, cpus: 16 }))
})
