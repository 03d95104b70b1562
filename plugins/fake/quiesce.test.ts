import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { sampleVmSpec } from "./fixtures.ts"
import { defined, expectFailure, withFake } from "./test-support.ts"

describe("fake driver: quiesce", () => {
  it("P1 V4 freeze and thaw pair up, and the guest counts them", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        assert.equal(yield* fake.driver.quiesce.freeze("vm"), 1)
        assert.equal((yield* fake.simulate.quiesceCounts("vm")).frozen, true)
        yield* expectFailure(fake.driver.quiesce.freeze("vm"), "InvalidRequest", "quiesce.freeze")
        assert.equal(yield* fake.driver.quiesce.thaw("vm"), 1)
        assert.equal(yield* fake.driver.quiesce.thaw("vm"), 0)
        assert.deepEqual(yield* fake.simulate.quiesceCounts("vm"), { frozen: false, freezes: 1, thaws: 1 })
      }),
    ))

  it("P1 quiesce needs a running guest with an agent channel; a power-off ends a freeze", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* expectFailure(fake.driver.quiesce.freeze("vm"), "WrongPowerState")
        yield* fake.driver.define(sampleVmSpec("mute", { guestAgent: false }))
        yield* fake.driver.start("mute")
        yield* expectFailure(fake.driver.quiesce.freeze("mute"), "InvalidRequest")
        yield* fake.driver.start("vm")
        yield* fake.driver.quiesce.freeze("vm")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        assert.equal((yield* fake.simulate.quiesceCounts("vm")).frozen, false)
      }),
    ))
})
