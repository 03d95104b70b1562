import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { useCore } from "../../test-support/core.ts"
import { hostLoads } from "../placement/host-loads.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { hostNow, runHeartbeats } from "./membership.ts"

for (const backend of storeBackends) {
  describe(`membership on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("#16 a heartbeating host reads up and takes placements; silent, it reads suspect at 6 s and down at 10 s", () =>
      core.run(
        Effect.scoped(
          Effect.gen(function* () {
            const clock = yield* TestClock.make({ warningDelay: "1 hour" })
            yield* Effect.provideService(
              Effect.gen(function* () {
                yield* TestClock.setTime(Date.parse("2026-06-01T00:00:00Z"))
                const store = yield* Store
                const hostId = core.world.host.id
                const stateNow = Effect.flatMap(store.hosts.get(hostId), hostNow)
                const placeable = Effect.map(hostLoads(), (loads) => loads.some((l) => l.host.id === hostId))
                /** Waits for the beat of the clock's current time to be written (the write is real I/O). */
                const beaten = Effect.gen(function* () {
                  const at = yield* Clock.currentTimeMillis
                  while ((yield* store.hosts.get(hostId)).heartbeatAt?.getTime() !== at) yield* Effect.yieldNow
                })
                const beats = yield* Effect.forkScoped(runHeartbeats)
                yield* beaten
                // Heartbeats every 2 s: a minute later the host still reads up.
                for (let s = 0; s < 60; s += 2) {
                  yield* TestClock.adjust("2 seconds")
                  yield* beaten
                }
                assert.equal((yield* store.hosts.get(hostId)).heartbeatAt?.toISOString(), "2026-06-01T00:01:00.000Z")
                assert.equal((yield* stateNow).state, "up")
                assert.equal(yield* placeable, true)

                // The agent stops (its heartbeats with it): suspect, then down, and placement leaves it out.
                yield* Fiber.interrupt(beats)
                yield* TestClock.adjust("6001 millis")
                assert.equal((yield* stateNow).state, "suspect")
                assert.equal(yield* placeable, false)
                yield* TestClock.adjust("4 seconds")
                assert.equal((yield* stateNow).state, "down")
                assert.equal(yield* placeable, false)

                // Back: the first beat makes it up again.
                yield* Effect.forkScoped(runHeartbeats)
                yield* beaten
                assert.equal((yield* stateNow).state, "up")
                assert.equal(yield* placeable, true)
              }),
              Clock.Clock,
              clock,
            )
          }),
        ),
      ))
  })
}
