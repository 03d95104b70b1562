import { Effect, Option, Stream } from "effect"
import type { PlatformEvent } from "../model/event.ts"
import { EventBus, type Missed } from "./bus.ts"

/** Test support for the event buses (in memory and persisted): a small event, its id as published, a replay. */
export const removedEvent = (vmId: string): PlatformEvent => ({
  _tag: "vm-removed",
  vmId,
  companyId: "c",
  departmentId: "d",
  ownerId: "o",
  at: new Date(0),
})

/** Publish an event and read back the id the bus gave it, as a subscriber sees it. */
export const publishRemoved = (vmId: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const bus = yield* EventBus
      const { events } = yield* bus.subscribeSince(undefined)
      yield* bus.publish(removedEvent(vmId))
      return Option.getOrThrow(yield* Stream.runHead(events)).id
    }),
  )

/** What a client that last saw `since` is sent first. */
export const missedSince = (since: string) =>
  Effect.scoped(EventBus.use((bus) => bus.subscribeSince(since))).pipe(Effect.map(({ missed }) => missed))

/** The VM ids of replayed vm-removed events, or "gap". */
export const vmIdsOf = (missed: Missed) =>
  missed === "gap" ? "gap" : missed.map((m) => (m.event._tag === "vm-removed" ? m.event.vmId : "?"))
