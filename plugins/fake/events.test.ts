import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Fiber, Stream } from "effect"
import { defined, expectFailure, powerOf, withFake } from "./test-support.ts"

describe("fake driver: events", () => {
  it("R12 reports only the changes simulated outside the platform, in order", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const { driver, simulate } = fake
        yield* defined(fake, "vm", { running: true })
        const collecting = yield* driver.events.pipe(Stream.take(5), Stream.runCollect, Effect.forkChild)
        yield* simulate.awaitEventSubscribers()

        yield* driver.shutdown("vm", { force: false, timeoutMs: 1000 })
        yield* driver.start("vm")
        yield* simulate.guestPowerOff("vm")
        yield* simulate.outsideStart("vm")
        yield* driver.reboot("vm", { force: true })
        yield* simulate.outsideReset("vm")
        yield* simulate.crash("vm")
        yield* expectFailure(simulate.crash("vm"), "WrongPowerState", "simulate.crash")
        yield* driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* driver.start("vm")
        yield* simulate.processExit("vm")

        const events = yield* Fiber.join(collecting)
        assert.deepEqual(
          events.map((e) => `${e.name} ${e.kind}`),
          ["vm powered-off", "vm started", "vm reset", "vm crashed", "vm process-exited"],
        )
        assert.ok(events.every((e) => e.at instanceof Date && e.detail !== ""))
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
      }),
    ))

  it("R12 gives every subscriber the events of every domain", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "a", { running: true })
        yield* defined(fake, "b", { running: true })
        const collect = fake.driver.events.pipe(
          Stream.take(2),
          Stream.runCollect,
          Effect.map((events) => events.map((e) => `${e.name} ${e.kind}`)),
        )
        const first = yield* Effect.forkChild(collect)
        const second = yield* Effect.forkChild(collect)
        yield* fake.simulate.awaitEventSubscribers(2)
        yield* fake.simulate.crash("b")
        yield* fake.simulate.guestPowerOff("a")
        const expected = ["b crashed", "a powered-off"]
        assert.deepEqual(yield* Fiber.join(first), expected)
        assert.deepEqual(yield* Fiber.join(second), expected)
      }),
    ))

  it("refuses simulated changes a domain's power does not allow, and unknown domains", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* expectFailure(fake.simulate.guestPowerOff("vm"), "WrongPowerState")
        yield* expectFailure(fake.simulate.outsideReset("vm"), "WrongPowerState")
        yield* expectFailure(fake.simulate.touchMemory("vm"), "WrongPowerState")
        yield* expectFailure(fake.simulate.crash("ghost"), "DomainNotFound")
        yield* expectFailure(fake.simulate.writeGuest("ghost", "k", "v"), "DomainNotFound")
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
      }),
    ))
})
