import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect, Queue, type Scope } from "effect"
import { TestClock } from "effect/testing"
import type { Core } from "../../test-support/core.ts"
import { useCore } from "../../test-support/core.ts"
import type { Vm } from "../model/vm.ts"
import { backupDisk } from "../operations/backups/backup.ts"
import { restoreBackup } from "../operations/backups/restore.ts"
import { createBackupSchedule } from "../operations/backups/schedules.ts"
import { power } from "../operations/power.ts"
import type { TaskHandle } from "../operations/run-vm-operation.ts"
import { createSnapshot } from "../operations/snapshots/create.ts"
import { createSnapshotSchedule, deleteSnapshotSchedule } from "../operations/snapshots/schedules.ts"
import { seedVm } from "../operations/testing/world.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { runScheduler } from "./scheduler.ts"

type Services = Parameters<Core["run"]>[0] extends Effect.Effect<unknown, unknown, infer R> ? R : never

const iso = (date: Date) => date.toISOString()
const maxSleep = "30 days"
const days30 = 30 * 86_400_000

for (const backend of storeBackends) {
  describe(`scheduler on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const owner = () => core.world.actors.owner

    /**
     * A test under a TestClock that starts at `start`. The scheduler runs every schedule of the host, so those of
     * earlier tests are cleared first.
     */
    const underClock = <A, E>(start: string, body: Effect.Effect<A, E, Services | Scope.Scope>) =>
      core.run(
        Effect.scoped(
          Effect.gen(function* () {
            const store = yield* Store
            for (const old of yield* store.schedules.list()) yield* store.schedules.remove(old.id)
            const clock = yield* TestClock.make({ warningDelay: "1 hour" })
            return yield* Effect.provideService(
              Effect.andThen(TestClock.setTime(Date.parse(start)), body),
              Clock.Clock,
              clock,
            )
          }),
        ),
      )

    /** Starts the scheduler; `idle` waits for its next round to end and says when it will look again. */
    const startScheduler = Effect.gen(function* () {
      const rounds = yield* Queue.unbounded<Date>()
      yield* Effect.forkScoped(runScheduler({ maxSleep, onIdle: (at) => Effect.asVoid(Queue.offer(rounds, at)) }))
      return { idle: Queue.take(rounds) }
    })

    /** Moves the clock to the scheduler's wake-up time and waits for the round that follows. */
    const wakeAt = (scheduler: { readonly idle: Effect.Effect<Date> }, at: Date) =>
      Effect.andThen(TestClock.setTime(at.getTime()), scheduler.idle)

    const runningVm = Effect.gen(function* () {
      const vm = yield* seedVm(core.world)
      yield* Effect.flatMap(power(owner(), vm.id, "start"), (handle) => handle.done)
      return vm
    })
    const snapshotsOf = (vm: Vm) => Store.use((s) => s.snapshots.list({ vmId: vm.id }))
    const done = <E, R>(started: Effect.Effect<TaskHandle, E, R>) => Effect.flatMap(started, (handle) => handle.done)

    it("P2 an hourly schedule with retention 3 over 10 hours keeps its 3 newest and every other snapshot", () =>
      underClock(
        "2026-06-01T00:30:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          yield* done(createSnapshot(owner(), vm.id, { name: "manual-before" }))
          const hourly = { period: "hourly", minute: 0, retention: 3 } as const
          const { schedule } = yield* createSnapshotSchedule(owner(), vm.id, hourly)
          const daily = { period: "daily", minute: 0, hour: 5, retention: 1 } as const
          const { schedule: dailySchedule } = yield* createSnapshotSchedule(owner(), vm.id, daily)
          const scheduler = yield* startScheduler
          let next = yield* scheduler.idle
          assert.equal(iso(next), "2026-06-01T01:00:00.000Z")
          for (let hour = 1; hour <= 10; hour++) {
            next = yield* wakeAt(scheduler, next)
            if (hour === 6) yield* done(createSnapshot(owner(), vm.id, { name: "manual-during" }))
          }
          assert.equal(iso(next), "2026-06-01T11:00:00.000Z")
          const snapshots = yield* snapshotsOf(vm)
          const times = (id: string | null) =>
            snapshots.filter((s) => s.scheduleId === id).map((s) => s.createdAt.toISOString().slice(11, 16))
          assert.deepEqual(times(schedule.id), ["08:00", "09:00", "10:00"])
          assert.deepEqual(times(dailySchedule.id), ["05:00"])
          assert.deepEqual(
            snapshots.filter((s) => s.origin === "manual").map((s) => s.name),
            ["manual-before", "manual-during"],
          )
          const tasks = yield* Store.use((s) => s.tasks.list({ vmId: vm.id }))
          const runs = tasks.filter((t) => t.operation === "snapshot.create" && t.userId === "system")
          assert.equal(runs.length, 11)
          assert.ok(runs.every((t) => t.state === "succeeded"))
          assert.equal(tasks.filter((t) => t.operation === "snapshot.delete" && t.parentId !== null).length, 7)
          const lastRunAt = (yield* Store.use((s) => s.schedules.get(schedule.id))).lastRunAt
          assert.equal(lastRunAt?.toISOString(), "2026-06-01T10:00:00.000Z")
        }),
      ))

    it("P2 a slot missed while the agent was down runs once at start, not once per missed slot", () =>
      underClock(
        "2026-06-01T00:30:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          const { schedule } = yield* createSnapshotSchedule(owner(), vm.id, {
            period: "hourly",
            minute: 0,
            retention: 24,
          })
          yield* TestClock.setTime(Date.parse("2026-06-01T05:40:00Z"))
          const scheduler = yield* startScheduler
          const next = yield* scheduler.idle
          assert.deepEqual(
            (yield* snapshotsOf(vm)).map((s) => iso(s.createdAt)),
            ["2026-06-01T05:40:00.000Z"],
          )
          const lastRunAt = (yield* Store.use((s) => s.schedules.get(schedule.id))).lastRunAt
          assert.equal(lastRunAt?.toISOString(), "2026-06-01T05:40:00.000Z")
          assert.equal(iso(next), "2026-06-01T06:00:00.000Z")
          yield* wakeAt(scheduler, next)
          assert.equal((yield* snapshotsOf(vm)).length, 2)
        }),
      ))

    it("P2 a schedule created while the scheduler sleeps is picked up at once; P3 deleting it keeps its snapshots", () =>
      underClock(
        "2026-06-01T00:30:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          const scheduler = yield* startScheduler
          const empty = yield* scheduler.idle
          assert.equal(empty.getTime(), Date.parse("2026-06-01T00:30:00Z") + days30)
          const { schedule } = yield* createSnapshotSchedule(owner(), vm.id, {
            period: "hourly",
            minute: 15,
            retention: 5,
          })
          let next = yield* scheduler.idle
          assert.equal(iso(next), "2026-06-01T01:15:00.000Z")
          next = yield* wakeAt(scheduler, next)
          next = yield* wakeAt(scheduler, next)
          yield* deleteSnapshotSchedule(owner(), vm.id, schedule.id)
          const afterDelete = yield* scheduler.idle
          assert.equal(afterDelete.getTime(), Date.parse("2026-06-01T02:15:00Z") + days30)
          const kept = yield* snapshotsOf(vm)
          assert.deepEqual(
            kept.map((s) => [s.origin, s.scheduleId, s.state]),
            [
              ["scheduled", null, "ready"],
              ["scheduled", null, "ready"],
            ],
          )
        }),
      ))

    it("P2 DST: a daily 09:00 Europe/Berlin schedule runs at 08:00Z before 2026-03-29 and 07:00Z after", () =>
      underClock(
        "2026-03-27T12:00:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          yield* createSnapshotSchedule(owner(), vm.id, {
            period: "daily",
            minute: 0,
            hour: 9,
            timeZone: "Europe/Berlin",
            retention: 7,
          })
          const scheduler = yield* startScheduler
          const wakes = [yield* scheduler.idle]
          for (let i = 0; i < 3; i++) wakes.push(yield* wakeAt(scheduler, wakes.at(-1) ?? new Date()))
          assert.deepEqual(wakes.map(iso), [
            "2026-03-28T08:00:00.000Z",
            "2026-03-29T07:00:00.000Z",
            "2026-03-30T07:00:00.000Z",
            "2026-03-31T07:00:00.000Z",
          ])
          assert.deepEqual(
            (yield* snapshotsOf(vm)).map((s) => iso(s.createdAt)),
            ["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"],
          )
        }),
      ))

    it("P2 a failed run is a failed task and the scheduler goes on; retention clears the failed snapshot", () =>
      underClock(
        "2026-06-01T00:30:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          yield* createSnapshotSchedule(owner(), vm.id, { period: "hourly", minute: 0, retention: 2 })
          const scheduler = yield* startScheduler
          let next = yield* scheduler.idle
          yield* core.fake.faults.failNext("snapshots.create", 1)
          next = yield* wakeAt(scheduler, next)
          const failed = (yield* Store.use((s) => s.tasks.list({ vmId: vm.id }))).filter(
            (t) => t.operation === "snapshot.create",
          )
          assert.deepEqual(
            failed.map((t) => [t.state, t.error?.code]),
            [["failed", "hypervisor-error"]],
          )
          yield* wakeAt(scheduler, next)
          assert.deepEqual(
            (yield* snapshotsOf(vm)).map((s) => [iso(s.createdAt), s.state]),
            [["2026-06-01T02:00:00.000Z", "ready"]],
          )
        }),
      ))

    it("V5 V6 an hourly backup schedule: full, then increments; retention keeps its newest 2 restorable", () =>
      underClock(
        "2026-06-01T00:30:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          const [disk] = yield* Store.use((s) => s.disks.list({ vmId: vm.id }))
          assert.ok(disk)
          yield* core.fake.simulate.writeGuest(vm.hostname, "/srv/data", "manual")
          yield* done(backupDisk(owner(), vm.id, disk.id))
          const { schedule } = yield* createBackupSchedule(owner(), vm.id, disk.id, {
            period: "hourly",
            minute: 0,
            retention: 2,
          })
          const scheduler = yield* startScheduler
          let next = yield* scheduler.idle
          for (let hour = 1; hour <= 5; hour++) {
            yield* core.fake.simulate.writeGuest(vm.hostname, "/srv/data", `hour ${hour}`)
            next = yield* wakeAt(scheduler, next)
          }
          const backups = yield* Store.use((s) => s.backups.list({ diskId: disk.id }))
          const mine = backups.filter((b) => b.scheduleId === schedule.id)
          assert.deepEqual(
            mine.map((b) => [b.createdAt.toISOString().slice(11, 16), b.kind]),
            [
              ["03:00", "full"],
              ["04:00", "incremental"],
              ["05:00", "full"],
            ],
          )
          assert.equal(mine[1]?.parentId, mine[0]?.id)
          assert.deepEqual(
            backups.filter((b) => b.origin === "manual").map((b) => b.kind),
            ["full"],
          )
          const restored = yield* done(restoreBackup(owner(), mine[1]?.id ?? ""))
          const diskId = (restored.result as { diskId: string }).diskId
          const newDisk = yield* Store.use((s) => s.disks.get(diskId))
          assert.deepEqual(yield* core.fake.simulate.readVolume(newDisk.path), { "/srv/data": "hour 4" })
        }),
      ))

    it("V5 a run whose disk was detached since is a failed task naming disk-attached", () =>
      underClock(
        "2026-06-01T00:30:00Z",
        Effect.gen(function* () {
          const vm = yield* runningVm
          const [disk] = yield* Store.use((s) => s.disks.list({ vmId: vm.id }))
          assert.ok(disk)
          yield* createBackupSchedule(owner(), vm.id, disk.id, { period: "hourly", minute: 0, retention: 2 })
          yield* Store.use((s) => s.disks.update(disk.id, { vmId: null }))
          const scheduler = yield* startScheduler
          yield* wakeAt(scheduler, yield* scheduler.idle)
          const tasks = yield* Store.use((s) => s.tasks.list({ departmentId: disk.departmentId }))
          const run = tasks.find((t) => t.operation === "disk.backup" && t.targetId === disk.id)
          assert.equal(run?.state, "failed")
          assert.equal(run?.error?.rule, "disk-attached")
        }),
      ))
  })
}
