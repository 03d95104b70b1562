import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { PlatformEvent } from "../model/event.ts"
import { EventBus, eventRetention, type Missed } from "./bus.ts"

const removed = (vmId: string): PlatformEvent => ({
  _tag: "vm-removed",
  vmId,
  companyId: "c",
  departmentId: "d",
  ownerId: "o",
  at: new Date(0),
})

const withBus = <A>(body: Effect.Effect<A, never, EventBus>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const clock = yield* TestClock.make()
        return yield* body.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(EventBus.layer))
      }),
    ),
  )

/** Publish an event and read back the id the bus gave it, as a subscriber sees it. */
const publish = (vmId: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const bus = yield* EventBus
      const { events } = yield* bus.subscribeSince(undefined)
      yield* bus.publish(removed(vmId))
      const head = yield* Stream.runHead(events)
      return Option.getOrThrow(head).id
    }),
  )

const missedSince = (since: string) =>
  Effect.scoped(EventBus.use((bus) => bus.subscribeSince(since))).pipe(Effect.map(({ missed }) => missed))

const vmIdsOf = (missed: Missed) =>
  missed === "gap" ? "gap" : missed.map((m) => (m.event._tag === "vm-removed" ? m.event.vmId : "?"))

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
