import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { describe, it } from "node:test"
import { Effect, Fiber, Layer } from "effect"
import { Leadership } from "../cluster/leader.ts"
import { HostConfig } from "../config.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { EventBus } from "./bus.ts"
import { layerPersistedEvents, pruneEvents } from "./persisted.ts"
import { missedSince, publishRemoved, removedEvent, vmIdsOf } from "./testing.ts"

const host = (hostId: string) =>
  Layer.succeed(
    HostConfig,
    HostConfig.of({ hostId, storageDir: "/tmp", shutdownTimeoutMs: 1_000, secretKey: randomBytes(32) }),
  )

/** An agent's bus over the store: its own layer each time, as a restarted agent or a second agent gets. */
const agentBus = (hostId: string) => layerPersistedEvents().pipe(Layer.provide(host(hostId)))

for (const backend of storeBackends) {
  describe(`#21 G4 events kept in the events table, on ${backend.name}`, { skip: backend.skip }, () => {
    it("ids come from the table: a restarted agent and another agent replay since an id; the leader prunes past the retention", () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            /** `effect` on an agent's bus of its own, built for it and closed after it (a start, then a stop). */
            const onStore = <A, E>(effect: Effect.Effect<A, E, EventBus | Store>, hostId: string) =>
              Effect.scoped(Effect.flatMap(Layer.build(agentBus(hostId)), (bus) => Effect.provideContext(effect, bus)))
            // Agent A publishes three events, then stops (its layer closes).
            const ids = yield* onStore(
              Effect.gen(function* () {
                return [yield* publishRemoved("a1"), yield* publishRemoved("a2"), yield* publishRemoved("a3")]
              }),
              "host-a",
            )
            assert.ok(
              ids.every((id) => /^\d+$/.test(id)),
              `table ids: ${ids}`,
            )
            assert.deepEqual(
              [...ids].sort((x, y) => Number(x) - Number(y)),
              ids,
              "in publication order",
            )
            // Agent A again (a restart), and agent B on the same database: both replay after the first id.
            for (const hostId of ["host-a", "host-b"]) {
              const replayed = yield* onStore(missedSince(ids[0] ?? ""), hostId)
              assert.deepEqual(vmIdsOf(replayed), ["a2", "a3"], hostId)
              assert.deepEqual(replayed === "gap" ? [] : replayed.map((m) => m.id), ids.slice(1))
            }
            // Events published just before a stop, still queued when the layer closes, are stored on the way out.
            yield* onStore(
              Effect.gen(function* () {
                const bus = yield* EventBus
                for (const vmId of ["s1", "s2", "s3"]) yield* bus.publish(removedEvent(vmId))
              }),
              "host-a",
            )
            const afterStop = yield* onStore(missedSince(ids[2] ?? ""), "host-b")
            assert.deepEqual(vmIdsOf(afterStop), ["s1", "s2", "s3"], "queued at the stop, stored")
            const lastStored = afterStop === "gap" ? "" : (afterStop.at(-1)?.id ?? "")
            // An id from B's bus continues the same sequence.
            const fromB = yield* onStore(publishRemoved("b1"), "host-b")
            assert.ok(Number(fromB) > Number(lastStored), "one sequence for every agent")
            assert.deepEqual(vmIdsOf(yield* onStore(missedSince(lastStored), "host-a")), ["b1"])
            assert.equal(yield* onStore(missedSince("abc.1"), "host-a"), "gap", "an in-memory bus's id")
            assert.equal(yield* onStore(missedSince("999999999"), "host-a"), "gap", "an id never given")

            // The leader prunes what is older than the retention window: an id pruned answers a gap.
            yield* Effect.sleep("20 millis")
            const pruner = yield* Effect.forkScoped(
              pruneEvents({ retentionMs: 10, pruneEveryMs: 60_000 }).pipe(Effect.provide(Leadership.layerAlone)),
            )
            for (let i = 0; i < 200 && (yield* Store.use((s) => s.platformEvents.has(ids[0] ?? ""))); i++) {
              yield* Effect.sleep("10 millis")
            }
            yield* Fiber.interrupt(pruner)
            assert.equal(yield* onStore(missedSince(ids[0] ?? ""), "host-b"), "gap")
          }),
        ).pipe(Effect.provide(backend.layer())),
      ))
  })
}
