import { randomBytes } from "node:crypto"
import { Clock, Context, Effect, Layer, PubSub, type Scope, Stream } from "effect"
import type { PlatformEvent } from "../model/event.ts"

/** An event with its place in this agent's stream: `<boot>.<sequence>`, the id a reconnecting client sends back. */
export interface NumberedEvent {
  readonly id: string
  readonly sequence: number
  readonly publishedAt: number
  readonly event: PlatformEvent
}

/**
 * What a reconnecting client missed: the events after its id, or "gap" when they are no longer all kept (older than
 * the retention window, or numbered by an earlier run of the agent) and the client must reload what it shows.
 */
export type Missed = ReadonlyArray<NumberedEvent> | "gap"

/** How much of the stream is kept for reconnecting clients: the last 10,000 events of the last 15 minutes. */
export const eventRetention = { count: 10_000, ms: 15 * 60_000 } as const

/**
 * Task progress and VM state changes, for the agent's WebSocket and for tests that follow an operation. `layer` keeps
 * the replay journal in memory (one agent, one run); the agent uses `layerPersistedEvents` (./persisted.ts), whose
 * ids come from the events table.
 */
export class EventBus extends Context.Service<
  EventBus,
  {
    readonly publish: (event: PlatformEvent) => Effect.Effect<void>
    /**
     * An event another agent of the cluster published, with the id it got there (#16 relay): given to the
     * subscribers as it is, never stored or sent on again. The in-memory bus numbers it as its own.
     */
    readonly receive: (id: string, event: PlatformEvent) => Effect.Effect<void>
    /** Subscribe now (nothing published after this is missed) and read the events as a stream. */
    readonly subscribe: Effect.Effect<Stream.Stream<PlatformEvent>, never, Scope.Scope>
    /**
     * Subscribe now, with ids, and take what was published after `since` (an event's id) from the retained events:
     * the stream then starts right after the last missed one, so nothing comes twice and nothing is skipped.
     */
    readonly subscribeSince: (
      since: string | undefined,
    ) => Effect.Effect<{ readonly missed: Missed; readonly events: Stream.Stream<NumberedEvent> }, never, Scope.Scope>
  }
>()("hyperx/core/events/EventBus") {
  static readonly layer = Layer.effect(
    EventBus,
    Effect.gen(function* () {
      const pubsub = yield* PubSub.unbounded<NumberedEvent>()
      // Ids of one run of the agent: a client holding an id of an earlier run gets a gap, not someone else's events.
      const boot = randomBytes(4).toString("hex")
      // The retained events, oldest first; appended and trimmed synchronously, so ids follow publication order.
      const journal: Array<NumberedEvent> = []
      let sequence = 0
      const trim = (now: number) => {
        const tooMany = journal.length - eventRetention.count
        if (tooMany > 0) journal.splice(0, tooMany)
        while (journal.length > 0 && now - (journal[0]?.publishedAt ?? now) > eventRetention.ms) journal.shift()
      }
      const missedAfter = (since: string, now: number): Missed => {
        trim(now)
        const [runOf, counted] = since.split(".")
        const after = Number(counted)
        if (runOf !== boot || !Number.isSafeInteger(after) || after > sequence) return "gap"
        const oldest = journal[0]?.sequence ?? sequence + 1
        if (after < oldest - 1) return "gap"
        return journal.filter((entry) => entry.sequence > after)
      }
      const publish = (event: PlatformEvent) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          sequence += 1
          const numbered: NumberedEvent = { id: `${boot}.${sequence}`, sequence, publishedAt: now, event }
          journal.push(numbered)
          trim(now)
          return PubSub.publish(pubsub, numbered)
        }).pipe(Effect.asVoid)
      return EventBus.of({
        publish,
        receive: (_id, event) => publish(event),
        subscribe: Effect.map(PubSub.subscribe(pubsub), (subscription) =>
          Stream.fromSubscription(subscription).pipe(Stream.map((numbered) => numbered.event)),
        ),
        subscribeSince: (since) =>
          Effect.gen(function* () {
            const subscription = yield* PubSub.subscribe(pubsub)
            const now = yield* Clock.currentTimeMillis
            const missed = since === undefined ? [] : missedAfter(since, now)
            // Subscribed before reading the journal: what both hold is sent once, from the journal.
            const last = missed === "gap" || missed.length === 0 ? 0 : (missed.at(-1)?.sequence ?? 0)
            const events = Stream.fromSubscription(subscription).pipe(Stream.filter((entry) => entry.sequence > last))
            return { missed, events }
          }),
      })
    }),
  )
}
