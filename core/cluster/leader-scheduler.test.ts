import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect, Queue } from "effect"
import { TestClock } from "effect/testing"
import { useCore } from "../../test-support/core.ts"
import { power } from "../operations/power.ts"
import { createSnapshotSchedule } from "../operations/snapshots/schedules.ts"
import { seedVm } from "../operations/testing/world.ts"
import { minimumPause, runScheduler } from "../scheduler/scheduler.ts"
import { Store } from "../store/ports.ts"
import { scratchDatabase, storeBackends } from "../store/testing.ts"
import { awaitLeading, Leadership, whileLeader } from "./leader.ts"
import { candidate, killLockHolder } from "./testing/lock.ts"

const postgres = storeBackends.find((b) => b.name === "postgres")
const iso = (date: Date) => date.toISOString()

describe("the scheduler across a change of leader", { skip: postgres?.skip ?? "no postgres backend" }, () => {
  if (postgres === undefined) return
  const core = useCore(postgres)

  // About 10 s alone; once (CI, 2 cores busy) it waited for a scheduler round that never came (see idleUntil).
  it(
    "#16 P2 two agents' schedulers on one database: each slot runs once, before, during and after a leader change",
    {
      timeout: 120_000,
    },
    () =>
      core.run(
        Effect.scoped(
          Effect.gen(function* () {
            const admin = process.env.TEST_DATABASE_URL as string
            const lockDb = yield* scratchDatabase(admin)
            // The candidates keep the real clock (their retries are real seconds); the schedulers get a test clock.
            const a = yield* candidate(lockDb.url)
            yield* Effect.provideService(awaitLeading(true), Leadership, a)
            const b = yield* candidate(lockDb.url)
            const clock = yield* TestClock.make({ warningDelay: "1 hour" })
            yield* Effect.provideService(
              Effect.gen(function* () {
                yield* TestClock.setTime(Date.parse("2026-06-01T00:30:00Z"))
                const store = yield* Store
                for (const old of yield* store.schedules.list()) yield* store.schedules.remove(old.id)
                const owner = core.world.actors.owner
                const vm = yield* seedVm(core.world)
                yield* Effect.flatMap(power(owner, vm.id, "start"), (handle) => handle.done)
                const { schedule } = yield* createSnapshotSchedule(owner, vm.id, {
                  period: "hourly",
                  minute: 0,
                  retention: 24,
                })

                // Both agents run the scheduler under their own leadership; rounds report who woke and until when.
                const rounds = yield* Queue.unbounded<{ readonly who: string; readonly wakeAt: Date }>()
                const agent = (who: string, leadership: Leadership["Service"]) =>
                  Effect.forkScoped(
                    whileLeader(
                      runScheduler({ maxSleep: "30 days", onIdle: (wakeAt) => Queue.offer(rounds, { who, wakeAt }) }),
                    ).pipe(Effect.provideService(Leadership, leadership)),
                  )
                yield* agent("a", a)
                yield* agent("b", b)
                /**
                 * Rounds until one that will next look at `at` (the slot before it has been run). A round that began
                 * before the clock was moved past a slot ends with that slot due (the new leader's first round races
                 * the test's setTime, as its lock is taken on the real clock): the scheduler then sleeps its minimum
                 * pause on the test clock, which must be moved on by that much, or it would sleep for ever (the hang
                 * CI once saw).
                 */
                const idleUntil = (at: string) =>
                  Effect.gen(function* () {
                    const seen: Array<string> = []
                    for (;;) {
                      const round = yield* Queue.take(rounds)
                      seen.push(round.who)
                      if (iso(round.wakeAt) === at) return seen
                      if (round.wakeAt.getTime() <= (yield* Clock.currentTimeMillis)) {
                        yield* TestClock.adjust(minimumPause)
                      }
                    }
                  })
                const runs = () =>
                  Effect.map(
                    Store.use((s) => s.snapshots.list({ scheduleId: schedule.id })),
                    (snapshots) => snapshots.map((s) => s.createdAt.toISOString().slice(11, 16)),
                  )

                assert.deepEqual(yield* idleUntil("2026-06-01T01:00:00.000Z"), ["a"])
                yield* TestClock.setTime(Date.parse("2026-06-01T01:00:00Z"))
                assert.deepEqual(yield* idleUntil("2026-06-01T02:00:00.000Z"), ["a"])
                assert.deepEqual(yield* runs(), ["01:00"])

                // The leader loses its session; the 02:00 slot comes due while the lead changes hands.
                yield* killLockHolder(admin, lockDb.name)
                yield* Effect.provideService(awaitLeading(false), Leadership, a)
                yield* TestClock.setTime(Date.parse("2026-06-01T02:00:00Z"))
                yield* idleUntil("2026-06-01T03:00:00.000Z")
                yield* TestClock.setTime(Date.parse("2026-06-01T03:00:00Z"))
                yield* idleUntil("2026-06-01T04:00:00.000Z")
                assert.deepEqual(yield* runs(), ["01:00", "02:00", "03:00"])
                const tasks = yield* store.tasks.list({ vmId: vm.id })
                const scheduled = tasks.filter((t) => t.operation === "snapshot.create" && t.userId === "system")
                assert.equal(scheduled.length, 3)
                assert.ok(scheduled.every((t) => t.state === "succeeded"))
              }),
              Clock.Clock,
              clock,
            )
          }),
        ),
      ),
  )
})
