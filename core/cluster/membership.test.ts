import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { useCore } from "../../test-support/core.ts"
import { hostLoads } from "../placement/host-loads.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { heartbeat, hostNow, runHeartbeats } from "./membership.ts"

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
                // The beats are the heartbeat's own writes, one per interval of the test clock, awaited: a spin on
                // the forked loop's write hung CI19 for 5 minutes once (a write that never landed, no clock to retry).
                const beat = heartbeat().pipe(Effect.retry({ times: 3 }))
                yield* beat
                // Heartbeats every 2 s: a minute later the host still reads up.
                for (let s = 0; s < 60; s += 2) {
                  yield* TestClock.adjust("2 seconds")
                  yield* beat
                }
                assert.equal((yield* store.hosts.get(hostId)).heartbeatAt?.toISOString(), "2026-06-01T00:01:00.000Z")
                assert.equal((yield* stateNow).state, "up")
                assert.equal(yield* placeable, true)

                // The agent stops (its heartbeats with it): suspect, then down, and placement leaves it out.
                yield* TestClock.adjust("6001 millis")
                assert.equal((yield* stateNow).state, "suspect")
                assert.equal(yield* placeable, false)
                yield* TestClock.adjust("4 seconds")
                assert.equal((yield* stateNow).state, "down")
                assert.equal(yield* placeable, false)

                // Back: the first beat of the agent's loop (at once, when forked) makes it up again; waited for in
                // real time, at most 20 s.
                yield* Effect.forkScoped(runHeartbeats)
                const at = yield* Clock.currentTimeMillis
                for (let i = 0; i < 2000 && (yield* store.hosts.get(hostId)).heartbeatAt?.getTime() !== at; i++) {
                  yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
                }
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
