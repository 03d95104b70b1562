import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { sampleVmSpec } from "./fixtures.ts"
import { defined, expectFailure, powerOf, withFake } from "./test-support.ts"

describe("fake driver: define, undefine, inspect, list", () => {
  it("declares what it implements (live migration too), and no passthrough", () =>
    withFake((fake) =>
      Effect.sync(() => {
        const caps = fake.driver.capabilities
        for (const cap of [
          "lifecycle",
          "gracefulShutdown",
          "events",
          "memorySnapshot",
          "diskSnapshot",
          "metrics",
          "liveMigration",
        ] as const)
          assert.ok(caps.has(cap), cap)
        assert.ok(!caps.has("reattach"), "reattach needs a state file")
      }),
    ))

  it("defines a stopped domain that inspect and list report", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "web-1")
        yield* defined(fake, "db-1")
        assert.deepEqual(yield* fake.driver.inspect("web-1"), { name: "web-1", power: "stopped" })
        assert.deepEqual(
          (yield* fake.driver.list()).map((d) => d.name),
          ["db-1", "web-1"],
        )
      }),
    ))

  it("refuses a spec a hypervisor could not realise", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* expectFailure(fake.driver.define(sampleVmSpec("Bad_Name")), "InvalidRequest", "define")
        yield* expectFailure(fake.driver.define(sampleVmSpec("vm", { cpus: 3 })), "InvalidRequest")
        const disk = sampleVmSpec("vm").disks[0]
        assert.ok(disk)
        yield* expectFailure(fake.driver.define(sampleVmSpec("vm", { disks: [disk, disk] })), "InvalidRequest")
        assert.deepEqual(yield* fake.driver.list(), [])
      }),
    ))

  it("redefines a stopped domain in place, but not a running one or one with another uuid", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const spec = sampleVmSpec("vm")
        yield* fake.driver.define(spec)
        yield* fake.driver.define({ ...spec, memoryMiB: 1024 })
        assert.equal((yield* fake.simulate.spec("vm")).memoryMiB, 1024)
        yield* expectFailure(fake.driver.define(sampleVmSpec("vm")), "InvalidRequest")
        yield* fake.driver.start("vm")
        yield* expectFailure(fake.driver.define({ ...spec, memoryMiB: 2048 }), "WrongPowerState", "define")
        assert.equal((yield* fake.simulate.spec("vm")).memoryMiB, 1024)
      }),
    ))

  it("B4 undefines a stopped domain, refuses a running one, and accepts an unknown name", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* expectFailure(fake.driver.undefine("vm"), "WrongPowerState", "undefine")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* fake.driver.undefine("vm")
        yield* fake.driver.undefine("vm")
        yield* fake.driver.undefine("never-was")
        yield* expectFailure(fake.driver.inspect("vm"), "DomainNotFound", "inspect")
      }),
    ))

  it("fails every call on an unknown domain with DomainNotFound", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* expectFailure(fake.driver.start("ghost"), "DomainNotFound", "start")
        yield* expectFailure(fake.driver.shutdown("ghost", { force: false, timeoutMs: 10 }), "DomainNotFound")
        yield* expectFailure(fake.driver.reboot("ghost", { force: true }), "DomainNotFound", "reboot")
        yield* expectFailure(fake.driver.inspect("ghost"), "DomainNotFound")
      }),
    ))
})

describe("fake driver: power", () => {
  it("B2 starts a domain; starting it again is a no-op", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.touchMemory("vm")
        yield* fake.driver.start("vm")
        assert.equal(yield* powerOf(fake, "vm"), "running")
        assert.equal(yield* fake.simulate.readMemory("vm"), 1, "a second start must not reboot the guest")
      }),
    ))

  it("B1 stops gracefully and by force; stopping a stopped domain is a no-op", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.driver.shutdown("vm", { force: false, timeoutMs: 1000 })
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
        yield* fake.driver.shutdown("vm", { force: false, timeoutMs: 1000 })
        yield* fake.driver.start("vm")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
      }),
    ))

  it("B1 cuts power when the timeout ends if the guest ignores ACPI", () =>
    withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* defined(fake, "vm", { running: true })
          yield* fake.simulate.ignoreAcpi("vm")
          const stopping = yield* Effect.forkChild(fake.driver.shutdown("vm", { force: false, timeoutMs: 60_000 }))
          yield* TestClock.adjust(59_999)
          assert.equal(yield* powerOf(fake, "vm"), "running")
          yield* TestClock.adjust(1)
          yield* Fiber.join(stopping)
          assert.equal(yield* powerOf(fake, "vm"), "stopped")
        }).pipe(Effect.provide(TestClock.layer())),
      { bootDelayMs: 0 },
    ))

  it("B3 reboots: a reset clears memory at once, a graceful reboot too, unless the guest ignores ACPI", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.touchMemory("vm")
        yield* fake.driver.reboot("vm", { force: true })
        assert.equal(yield* fake.simulate.readMemory("vm"), 0)
        yield* fake.simulate.touchMemory("vm")
        yield* fake.driver.reboot("vm", { force: false })
        assert.equal(yield* fake.simulate.readMemory("vm"), 0)
        yield* fake.simulate.touchMemory("vm")
        yield* fake.simulate.ignoreAcpi("vm")
        yield* fake.driver.reboot("vm", { force: false })
        assert.equal(yield* fake.simulate.readMemory("vm"), 1, "an ignored ACPI reboot changes nothing")
        assert.equal(yield* powerOf(fake, "vm"), "running")
      }),
    ))

  it("B3 refuses to reboot a stopped domain", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* expectFailure(fake.driver.reboot("vm", { force: true }), "WrongPowerState", "reboot")
        yield* expectFailure(fake.driver.reboot("vm", { force: false }), "WrongPowerState")
      }),
    ))

  it("starts, stops or resets a crashed domain", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.crash("vm")
        yield* fake.driver.reboot("vm", { force: true })
        assert.equal(yield* powerOf(fake, "vm"), "running")
        yield* fake.simulate.crash("vm")
        yield* fake.driver.shutdown("vm", { force: false, timeoutMs: 10 })
        assert.equal(yield* powerOf(fake, "vm"), "stopped")
        yield* fake.driver.start("vm")
        yield* fake.simulate.crash("vm")
        yield* fake.driver.start("vm")
        assert.equal(yield* powerOf(fake, "vm"), "running")
      }),
    ))
})
