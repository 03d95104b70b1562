import { Duration, Effect, Fiber, Layer, Queue, Stream } from "effect"
import { whileLeader } from "../cluster/leader.ts"
import { EventBus } from "../events/bus.ts"
import type { Operation, PlatformEvent } from "../model/index.ts"
import { now } from "../operations/clock.ts"
import { nextDue, runDueSchedules } from "./rounds.ts"

export interface SchedulerOptions {
  /** The longest the scheduler sleeps before it reads the schedules again; default 10 minutes. */
  readonly maxSleep?: Duration.Input
  /** Told after every round when the scheduler will look next; for tests and status displays. */
  readonly onIdle?: (wakeAt: Date) => Effect.Effect<void>
}

/** Operations after which the set of schedules to run may have changed. */
const scheduleChanges: ReadonlySet<Operation> = new Set<Operation>([
  "snapshot.schedule",
  "snapshot.delete-schedule",
  "disk.backup-schedule",
  "disk.delete-backup-schedule",
  "vm.delete",
  "vm.destroy",
  "vm.purge",
  "vm.restore",
])

const changesSchedules = (event: PlatformEvent) =>
  event._tag === "vm-removed" ||
  (event._tag === "task" && event.task.state !== "running" && scheduleChanges.has(event.task.operation))

/**
 * A round that found a slot still due (its run could not be recorded, or the slot came due while the round ran)
 * waits this long, never spinning.
 */
export const minimumPause = Duration.seconds(5)
/** A round that failed (the store is away) is tried again this soon. */
const retryAfterMs = 60_000

/**
 * The scheduler (P2, V5): run what is due, then sleep (on Effect's Clock) until the next schedule is due, at most
 * `maxSleep`, or until a schedule is created or deleted. Each run is a task. A slot missed while the agent was
 * down runs once at the first round, not once per missed slot: a run sets lastRunAt to when it ran, and the next
 * slot is the first one after that. Never fails: a round that breaks is logged and the next one comes.
 */
export const runScheduler = (options: SchedulerOptions = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const bus = yield* EventBus
      const wakes = yield* Queue.sliding<void>(1)
      const events = yield* bus.subscribe
      yield* Effect.forkScoped(
        Stream.runForEach(events, (event) => (changesSchedules(event) ? Queue.offer(wakes, undefined) : Effect.void)),
      )
      const maxSleep = Duration.fromInputUnsafe(options.maxSleep ?? Duration.minutes(10))
      const round = Effect.gen(function* () {
        yield* runDueSchedules(yield* now)
        const at = yield* now
        const cap = new Date(at.getTime() + Duration.toMillis(maxSleep))
        const due = yield* nextDue()
        return due === undefined || due > cap ? cap : due
      }).pipe(
        Effect.catchCause((cause) =>
          Effect.logError("a scheduler round failed", cause).pipe(
            Effect.andThen(now),
            Effect.map((at) => new Date(at.getTime() + Math.min(Duration.toMillis(maxSleep), retryAfterMs))),
          ),
        ),
      )
      return yield* Effect.forever(
        Effect.gen(function* () {
          const wakeAt = yield* round
          const wait = Math.max(wakeAt.getTime() - (yield* now).getTime(), Duration.toMillis(minimumPause))
          // The sleep is on the clock before anyone hears that the scheduler is idle (a test clock may move then).
          const sleeper = yield* Effect.forkChild(Effect.sleep(wait), { startImmediately: true })
          if (options.onIdle) yield* options.onIdle(wakeAt)
          yield* Effect.raceFirst(Fiber.join(sleeper), Queue.take(wakes))
          yield* Fiber.interrupt(sleeper)
          yield* Queue.clear(wakes)
        }),
      )
    }),
  )

/**
 * The scheduler as a layer: started with the agent, stopped with it (like DriverWatchLayer), and running only while
 * this agent leads the cluster (#16): one scheduler per database, so no schedule runs twice. Needs Leadership.
 */
export const SchedulerLayer = Layer.effectDiscard(Effect.forkScoped(whileLeader(runScheduler())))
