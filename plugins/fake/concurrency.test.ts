import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { sampleVmSpec } from "./fixtures.ts"
import { defined, powerOf, withFake } from "./test-support.ts"

const disk = (id: string) =>
  ({
    id,
    role: "data",
    path: `/var/lib/hyperx/vm/${id}.qcow2`,
    format: "qcow2",
    bus: "virtio",
    readonly: false,
  }) as const

describe("fake driver: concurrent calls on one domain", () => {
  it("a start and two hot-plugs at once all complete and all land in the spec", () =>
    withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* defined(fake, "vm")
          yield* Effect.all(
            [
              fake.driver.start("vm"),
              fake.driver.disks.attach("vm", disk("d1")),
              fake.driver.disks.attach("vm", disk("d2")),
            ],
            { concurrency: "unbounded" },
          )
          assert.equal(yield* powerOf(fake, "vm"), "running")
          assert.deepEqual((yield* fake.simulate.spec("vm")).disks.map((d) => d.id).sort(), ["d1", "d2", "sys"])
        }),
      { bootDelayMs: 15 },
    ))

  it("a start and a graceful stop issued together run one after the other, ending stopped", () =>
    withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* defined(fake, "vm")
          yield* Effect.all([fake.driver.start("vm"), fake.driver.shutdown("vm", { force: false, timeoutMs: 1000 })], {
            concurrency: "unbounded",
          })
          // The stop waited for the boot instead of seeing a stopped domain and doing nothing.
          assert.equal(yield* powerOf(fake, "vm"), "stopped")
          assert.equal(yield* fake.simulate.readMemory("vm"), 0)
        }),
      { bootDelayMs: 15, shutdownDelayMs: 5 },
    ))

  it("a redefine issued during a boot is refused once the domain runs, leaving the spec unchanged", () =>
    withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* defined(fake, "vm")
          const spec = yield* fake.simulate.spec("vm")
          const [, redefined] = yield* Effect.all(
            [fake.driver.start("vm"), Effect.result(fake.driver.define({ ...spec, memoryMiB: 4096 }))],
            { concurrency: "unbounded" },
          )
          assert.equal(redefined._tag, "Failure")
          assert.equal((yield* fake.simulate.spec("vm")).memoryMiB, 512)
          assert.equal(yield* powerOf(fake, "vm"), "running")
        }),
      { bootDelayMs: 15 },
    ))
})

describe("fake driver: concurrent defines of one name", () => {
  it("the second define of a new domain replaces the first instead of racing it", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const spec = sampleVmSpec("vm")
        yield* fake.faults.delay("define", 5)
        yield* Effect.all([fake.driver.define(spec), fake.driver.define({ ...spec, memoryMiB: 1024 })], {
          concurrency: "unbounded",
        })
        assert.equal((yield* fake.simulate.spec("vm")).memoryMiB, 1024)
        assert.equal((yield* fake.driver.list()).length, 1)
      }),
    ))
})
