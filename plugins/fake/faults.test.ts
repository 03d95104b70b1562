import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Cause, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Timeout } from "../../core/driver/errors.ts"
import { defined, expectFailure, powerOf, withFake } from "./test-support.ts"

describe("fake driver: faults", () => {
  it("failNext fails the next calls, retryable and without effect, then the operation works again", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* fake.faults.failNext("start", 2)
        for (let i = 0; i < 2; i++) {
          const error = yield* expectFailure(fake.driver.start("vm"), "HypervisorFailure", "start")
          assert.equal(error.isRetryable, true)
          assert.equal(yield* powerOf(fake, "vm"), "stopped")
        }
        yield* fake.driver.start("vm")
        assert.equal(yield* powerOf(fake, "vm"), "running")
      }),
    ))

  it("failNext fails only the named operation, with the reason given", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.faults.failNext("snapshots.create", 1, new Timeout({ operation: "savevm", afterMs: 5 }))
        yield* fake.driver.reboot("vm", { force: true })
        const error = yield* expectFailure(fake.driver.snapshots.create("vm", "s", { withMemory: true }), "Timeout")
        assert.equal(error.isRetryable, true)
        assert.deepEqual(yield* fake.driver.snapshots.list("vm"), [])
      }),
    ))

  it("failNext with applied: the change happens, then the call fails as if the reply were lost", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const lost = new Timeout({ operation: "shutdown", afterMs: 30_000 })
        yield* fake.faults.failNext("shutdown", 1, lost, { applied: true })
        yield* expectFailure(fake.driver.shutdown("vm", { force: true, timeoutMs: 0 }), "Timeout", "shutdown")
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
      }),
    ))

  it("delay holds every call of the operation back by the given time", () =>
    withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* defined(fake, "vm")
          yield* fake.faults.delay("start", 5000)
          const starting = yield* Effect.forkChild(fake.driver.start("vm"))
          yield* TestClock.adjust(4999)
          assert.equal(yield* powerOf(fake, "vm"), "stopped")
          yield* TestClock.adjust(1)
          yield* Fiber.join(starting)
          assert.equal(yield* powerOf(fake, "vm"), "running")
        }).pipe(Effect.provide(TestClock.layer())),
      { bootDelayMs: 0 },
    ))

  it("hang holds calls until release; other operations go on meanwhile", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* fake.faults.hang("start")
        const starting = yield* Effect.forkChild(fake.driver.start("vm"))
        yield* Effect.sleep("20 millis")
        assert.equal(starting.pollUnsafe(), undefined, "the hung call has not completed")
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
        yield* fake.driver.snapshots.create("vm", "s", { withMemory: false })
        yield* fake.faults.release("start")
        yield* Fiber.join(starting)
        assert.equal(yield* powerOf(fake, "vm"), "running")
      }),
    ))

  it("a hung call interrupted by Effect.timeout leaves nothing behind", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.faults.hang("shutdown")
        const cause = yield* fake.driver
          .shutdown("vm", { force: true, timeoutMs: 0 })
          .pipe(Effect.timeout("20 millis"), Effect.flip)
        assert.ok(Cause.isTimeoutError(cause))
        assert.equal(yield* powerOf(fake, "vm"), "running")
        yield* fake.faults.release("shutdown")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
      }),
    ))

  it("interrupting a call that waits on the guest releases the domain for the next call", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.ignoreAcpi("vm")
        const slow = fake.driver.shutdown("vm", { force: false, timeoutMs: 60_000 })
        yield* slow.pipe(Effect.timeout("20 millis"), Effect.flip)
        assert.equal(yield* powerOf(fake, "vm"), "running")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 }).pipe(Effect.timeout("5 seconds"))
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
      }),
    ))

  it("clear forgets every fault and releases hung calls", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* fake.faults.hang("start")
        const starting = yield* Effect.forkChild(fake.driver.start("vm"))
        yield* Effect.sleep("20 millis")
        assert.equal(starting.pollUnsafe(), undefined, "the call is hung before clear")
        yield* fake.faults.failNext("inspect", 3)
        yield* fake.faults.delay("list", 60_000)
        yield* fake.faults.clear()
        yield* Fiber.join(starting)
        assert.equal(yield* powerOf(fake, "vm"), "running")
        assert.equal((yield* fake.driver.list().pipe(Effect.timeout("5 seconds"))).length, 1)
      }),
    ))
})
