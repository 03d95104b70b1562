import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { sampleVmSpec } from "./fixtures.ts"
import { defined, expectFailure, withFake } from "./test-support.ts"

describe("fake driver: consoles", () => {
  it("B5 gives vnc and serial endpoints of a running domain", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const vnc = yield* fake.driver.console.vnc("vm")
        const serial = yield* fake.driver.console.serial("vm")
        assert.equal(vnc.kind, "unix")
        assert.equal(serial.kind, "unix")
        assert.notDeepEqual(vnc, serial)
      }),
    ))

  it("B5 refuses a console of a stopped domain, or one the spec does not have", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* fake.driver.define(sampleVmSpec("vm", { vnc: false }))
        yield* expectFailure(fake.driver.console.serial("vm"), "WrongPowerState", "console.serial")
        yield* fake.driver.start("vm")
        yield* expectFailure(fake.driver.console.vnc("vm"), "InvalidRequest", "console.vnc")
        yield* expectFailure(fake.driver.console.vnc("ghost"), "DomainNotFound")
      }),
    ))
})

describe("fake driver: guest agent", () => {
  it("R11 X5 keeps the password and keys it was given, for simulate to read back", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const agent = fake.driver.guestAgent
        yield* defined(fake, "vm", { running: true })
        yield* agent.ping("vm")
        yield* agent.setPassword("vm", "root", "Passw0rd")
        yield* agent.setAuthorizedKeys("vm", "ops", ["ssh-ed25519 AAAA ops@a", "ssh-rsa BBBB ops@b"])
        yield* agent.setAuthorizedKeys("vm", "ops", ["ssh-ed25519 CCCC ops@c"])
        assert.deepEqual(yield* fake.simulate.credentials("vm"), {
          passwords: { root: "Passw0rd" },
          authorizedKeys: { ops: ["ssh-ed25519 CCCC ops@c"] },
        })
      }),
    ))

  it("refuses bad credentials, a stopped guest, and a domain without an agent channel", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const agent = fake.driver.guestAgent
        yield* defined(fake, "vm")
        yield* expectFailure(agent.ping("vm"), "WrongPowerState", "guestAgent.ping")
        yield* fake.driver.start("vm")
        yield* expectFailure(agent.setPassword("vm", "", "x"), "InvalidRequest", "guestAgent.setPassword")
        yield* expectFailure(agent.setAuthorizedKeys("vm", "ops", ["a\nb"]), "InvalidRequest")
        yield* fake.driver.define(sampleVmSpec("blind", { guestAgent: false }))
        yield* fake.driver.start("blind")
        yield* expectFailure(agent.fileSystems("blind"), "InvalidRequest", "guestAgent.fileSystems")
        yield* expectFailure(agent.ping("ghost"), "DomainNotFound")
        assert.deepEqual(yield* fake.simulate.credentials("vm"), { passwords: {}, authorizedKeys: {} })
      }),
    ))

  it("M1 reports file systems with used below total, one per data disk", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.driver.disks.attach("vm", {
          id: "d1",
          role: "data",
          path: "/d1.qcow2",
          format: "qcow2",
          bus: "virtio",
          readonly: false,
        })
        const fileSystems = yield* fake.driver.guestAgent.fileSystems("vm")
        assert.deepEqual(
          fileSystems.map((f) => f.mountpoint),
          ["/", "/data/d1"],
        )
        for (const f of fileSystems) assert.ok(f.usedBytes > 0 && f.usedBytes < f.totalBytes)
      }),
    ))
})

describe("fake driver: stats", () => {
  it("M1 reports plausible figures for a running domain, or the load a test imposes", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        const stats = yield* fake.driver.stats("vm")
        assert.ok(stats.cpuPercent >= 0 && stats.cpuPercent <= 100)
        assert.equal(stats.memoryTotalBytes, 512 * 1024 * 1024)
        assert.ok(stats.memoryUsedBytes > 0 && stats.memoryUsedBytes < stats.memoryTotalBytes)
        assert.deepEqual(
          stats.disks.map((d) => d.id),
          ["sys"],
        )
        yield* fake.simulate.setLoad("vm", { cpuPercent: 97, memoryUsedBytes: 500 * 1024 * 1024 })
        const loaded = yield* fake.driver.stats("vm")
        assert.equal(loaded.cpuPercent, 97)
        assert.equal(loaded.memoryUsedBytes, 500 * 1024 * 1024)
      }),
    ))

  it("refuses stats of a stopped or unknown domain", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* expectFailure(fake.driver.stats("vm"), "WrongPowerState", "stats")
        yield* expectFailure(fake.driver.stats("ghost"), "DomainNotFound", "stats")
      }),
    ))
})
