import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { EventBus, eventRetention } from "./bus.ts"
import { missedSince, publishRemoved as publish, vmIdsOf } from "./testing.ts"

const withBus = <A>(body: Effect.Effect<A, never, EventBus>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const clock = yield* TestClock.make()
        return yield* body.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(EventBus.layer))
      }),
    ),
  )

describe("the event bus's journal (#21)", () => {
  it("G4 since an id, the events after it come in order; the stream then goes on without them twice", () =>
    withBus(
      Effect.gen(function* () {
        const a = yield* publish("a")
        yield* publish("b")
        const c = yield* publish("c")
        assert.deepEqual(vmIdsOf(yield* missedSince(a)), ["b", "c"])
        assert.deepEqual(vmIdsOf(yield* missedSince(c)), [])
        assert.equal(yield* missedSince(`x${a}`), "gap", "an id of another run of the agent")
        assert.equal(yield* missedSince(a.replace(/\.\d+$/, ".99")), "gap", "an id not given yet")
      }),
    ))

  it("G4 past the retention window a since id answers a gap", () =>
    withBus(
      Effect.gen(function* () {
        const old = yield* publish("old")
        yield* publish("newer")
        assert.deepEqual(vmIdsOf(yield* missedSince(old)), ["newer"])
        yield* TestClock.adjust(eventRetention.ms + 1)
        const fresh = yield* publish("fresh")
        assert.equal(yield* missedSince(old), "gap")
        assert.deepEqual(vmIdsOf(yield* missedSince(fresh)), [])
      }),
    ))
})
