import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { hostAvailable } from "./placement.ts"
import { sampleHost } from "./testing-records.ts"

describe("placement rules", () => {
  it("C3 C8 no-host-capacity: allows a batch placed on a host", () => {
    assert.equal(hostAvailable.allows({ host: sampleHost(), count: 3 }), true)
  })
  it("C3 C8 no-host-capacity: refuses when no host has room, naming the count", () => {
    assert.equal(hostAvailable.allows({ host: undefined, count: 3 }), false)
    const message =
      typeof hostAvailable.message === "function"
        ? hostAvailable.message({ host: undefined, count: 3 })
        : hostAvailable.message
    assert.match(message.en, /3 VM/)
    assert.match(message.zh, /3 台/)
  })
})
