import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import { useCore } from "../../test-support/core.ts"
import { HostConfig } from "../config.ts"
import { power } from "../operations/power.ts"
import { seedVm } from "../operations/testing/world.ts"
import { storeBackends } from "../store/testing.ts"
import { fenceAfter, runFencedHeartbeats } from "./fencing.ts"
import { defaultTimeouts } from "./host-state.ts"

const postgres = storeBackends.find((b) => b.name === "postgres")

describe("self-fencing (#16, R12)", { skip: postgres?.skip ?? "no postgres backend" }, () => {
  if (postgres === undefined) return
  const core = useCore(postgres)

  it("R12 fences two intervals before the host reads down (6 s of the default 10 s)", () => {
    assert.equal(Duration.toMillis(fenceAfter(defaultTimeouts)), 6000)
  })

  it("R12 an agent that cannot renew its heartbeat powers its VMs off before its host reads down", () =>
    core.run(
      Effect.scoped(
        Effect.gen(function* () {
          const vm = yield* seedVm(core.world, { state: "stopped" })
          yield* Effect.flatMap(power(core.world.actors.owner, vm.id, "start"), (h) => h.done)
          const powerOf = () => Effect.map(core.fake.driver.inspect(vm.hostname), (i) => i.power)
          assert.equal(yield* powerOf(), "running")
          const clock = yield* TestClock.make({ warningDelay: "1 hour" })
          yield* Effect.provideService(
            Effect.gen(function* () {
              // Every beat fails, as when the database is unreachable: this host's row cannot be written.
              const beats = runFencedHeartbeats.pipe(
                Effect.provideService(HostConfig, { ...core.host, hostId: "00000000-0000-4000-8000-000000000000" }),
              )
              yield* Effect.forkScoped(beats)
              yield* TestClock.adjust("4 seconds")
              assert.equal(yield* powerOf(), "running", "not yet: the lease has not run out")
              yield* TestClock.adjust("2 seconds")
              // The 6 s beat fails over the real database, then fences: wait for the power-off (at most 30 s).
              const off = yield* Effect.promise(() =>
                core.eventually(async () => ((await core.run(powerOf())) === "stopped" ? true : undefined), 30_000),
              )
              assert.equal(off, true)
            }),
            Clock.Clock,
            clock,
          )
        }),
      ),
    ))
})
