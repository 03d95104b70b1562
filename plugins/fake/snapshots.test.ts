import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { defined, expectFailure, withFake } from "./test-support.ts"

describe("fake driver: snapshots", () => {
  it("P1 creates disk and memory snapshots that list reports in order, with sizes", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const snapshots = fake.driver.snapshots
        yield* defined(fake, "vm", { running: true })
        yield* snapshots.create("vm", "disk-only", { withMemory: false })
        yield* snapshots.create("vm", "full", { withMemory: true })
        const listed = yield* snapshots.list("vm")
        assert.deepEqual(
          listed.map((s) => [s.name, s.withMemory]),
          [
            ["disk-only", false],
            ["full", true],
          ],
        )
        const [diskOnly, full] = listed
        assert.ok(diskOnly && full)
        assert.ok(full.sizeBytes >= 512 * 1024 * 1024, "a memory snapshot holds the guest's RAM")
        assert.ok(diskOnly.sizeBytes > 0 && diskOnly.sizeBytes < full.sizeBytes)
        assert.ok(full.createdAt instanceof Date)
      }),
    ))

  it("P1 refuses a taken name, an empty name, and memory of a stopped domain", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const snapshots = fake.driver.snapshots
        yield* defined(fake, "vm")
        yield* snapshots.create("vm", "s1", { withMemory: false })
        yield* expectFailure(snapshots.create("vm", "s1", { withMemory: false }), "InvalidRequest", "snapshots.create")
        yield* expectFailure(snapshots.create("vm", "", { withMemory: false }), "InvalidRequest")
        yield* expectFailure(snapshots.create("vm", "s2", { withMemory: true }), "WrongPowerState")
        assert.deepEqual(
          (yield* snapshots.list("vm")).map((s) => s.name),
          ["s1"],
        )
      }),
    ))

  it("P4 revert restores the guest's data and the credentials set after the snapshot", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.writeGuest("vm", "/etc/motd", "before")
        yield* fake.driver.snapshots.create("vm", "s1", { withMemory: false })
        yield* fake.simulate.writeGuest("vm", "/etc/motd", "after")
        yield* fake.simulate.writeGuest("vm", "/tmp/new", "x")
        yield* fake.driver.guestAgent.setPassword("vm", "root", "Secret123")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* fake.driver.snapshots.revert("vm", "s1")
        assert.equal(yield* fake.simulate.readGuest("vm", "/etc/motd"), "before")
        assert.equal(yield* fake.simulate.readGuest("vm", "/tmp/new"), undefined)
        assert.deepEqual((yield* fake.simulate.credentials("vm")).passwords, {})
      }),
    ))

  it("P4 reverting a memory snapshot makes the next start resume its memory; a disk snapshot boots cold", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.touchMemory("vm")
        yield* fake.simulate.touchMemory("vm")
        yield* fake.driver.snapshots.create("vm", "full", { withMemory: true })
        yield* fake.driver.snapshots.create("vm", "disk", { withMemory: false })
        yield* fake.simulate.touchMemory("vm")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* fake.driver.snapshots.revert("vm", "full")
        yield* fake.driver.start("vm")
        assert.equal(yield* fake.simulate.readMemory("vm"), 2)
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* fake.driver.snapshots.revert("vm", "disk")
        yield* fake.driver.start("vm")
        assert.equal(yield* fake.simulate.readMemory("vm"), 0)
      }),
    ))

  it("P4 refuses to revert a running domain or to an unknown snapshot", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.writeGuest("vm", "k", "v1")
        yield* fake.driver.snapshots.create("vm", "s1", { withMemory: false })
        yield* fake.simulate.writeGuest("vm", "k", "v2")
        yield* expectFailure(fake.driver.snapshots.revert("vm", "s1"), "WrongPowerState", "snapshots.revert")
        yield* fake.driver.shutdown("vm", { force: true, timeoutMs: 0 })
        yield* expectFailure(fake.driver.snapshots.revert("vm", "nope"), "InvalidRequest", "snapshots.revert")
        assert.equal(yield* fake.simulate.readGuest("vm", "k"), "v2")
      }),
    ))

  it("P5 removes a snapshot; removing it again is a no-op", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const snapshots = fake.driver.snapshots
        yield* defined(fake, "vm")
        yield* snapshots.create("vm", "s1", { withMemory: false })
        yield* snapshots.create("vm", "s2", { withMemory: false })
        yield* snapshots.remove("vm", "s1")
        yield* snapshots.remove("vm", "s1")
        assert.deepEqual(
          (yield* snapshots.list("vm")).map((s) => s.name),
          ["s2"],
        )
        yield* expectFailure(snapshots.revert("vm", "s1"), "InvalidRequest")
      }),
    ))

  it("fails snapshot calls on an unknown domain with DomainNotFound", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const snapshots = fake.driver.snapshots
        yield* expectFailure(
          snapshots.create("ghost", "s", { withMemory: false }),
          "DomainNotFound",
          "snapshots.create",
        )
        yield* expectFailure(snapshots.revert("ghost", "s"), "DomainNotFound", "snapshots.revert")
        yield* expectFailure(snapshots.remove("ghost", "s"), "DomainNotFound", "snapshots.remove")
        yield* expectFailure(snapshots.list("ghost"), "DomainNotFound", "snapshots.list")
      }),
    ))
})
