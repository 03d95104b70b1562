import { Effect, Exit } from "effect"
import { HostConfig } from "../config.ts"
import type { Driver, PowerState } from "../driver/driver.ts"
import { type ObservedPower, reconcile } from "../lifecycle/index.ts"
import { isTransient } from "../lifecycle/states.ts"
import type { Task, Vm } from "../model/index.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { destroyCompletely } from "./delete.ts"
import { driverFor, ignoreMissing } from "./driver-for.ts"
import { closeMigrationsMovedAway, settleCutShortMigration } from "./migrate/recovery.ts"
import { snapshotDriverName } from "./snapshots/records.ts"
import { finishTask } from "./tasks.ts"
import { VmLocks } from "./vm-lock.ts"
import { moveVm, scopeOf } from "./vm-state.ts"

const observedOf: Record<PowerState, ObservedPower> = {
  running: "running",
  paused: "running",
  stopped: "stopped",
  crashed: "crashed",
}

/** What the hypervisor reports for a VM; a domain it does not know is "missing". */
const observe = (driver: Driver, vm: Vm) =>
  driver.inspect(vm.hostname).pipe(
    Effect.map((info) => observedOf[info.power]),
    Effect.catchIf(
      (e) => e.reason._tag === "DomainNotFound",
      () => Effect.succeed<ObservedPower>("missing"),
    ),
  )

const interrupted = (observed: ObservedPower) =>
  `The agent stopped during the operation; the hypervisor reports the VM ${observed}.`

const stillRunning = "The hypervisor of its host still runs the VM: the host is back."

/**
 * R12, #16: a VM recorded in error while its host read down (not HA, or nowhere to go) whose guest lived on there (only
 * the agent had died, or the network was cut) runs: the host's agent, back, records it running again.
 */
const runsHereAgain = (vm: Vm) =>
  vm.state !== "error"
    ? Effect.succeed(false)
    : driverFor(vm).pipe(
        Effect.flatMap((driver) => observe(driver, vm)),
        Effect.map((observed) => observed === "running"),
        Effect.orElseSucceed(() => false),
      )

/** The operations that freeze the guest's file systems while they run (P1, V4): cut short, they may leave it frozen. */
const freezing: ReadonlySet<Task["operation"]> = new Set(["snapshot.create", "disk.backup"])

/**
 * A guest frozen by a snapshot or backup the crash cut short stays frozen (its writes hang) until someone thaws it:
 * the agent does, on start. Thawing a guest that is not frozen changes nothing.
 */
const thawIfCutShort = (driver: Driver, vm: Vm, observed: ObservedPower, open: ReadonlyArray<Task>) =>
  driver.quiesce === undefined || observed !== "running" || !open.some((task) => freezing.has(task.operation))
    ? Effect.void
    : driver.quiesce.thaw(vm.hostname).pipe(
        Effect.asVoid,
        Effect.catch((error) => Effect.logWarning(`could not thaw ${vm.hostname}'s file systems`, error)),
      )

/** The hypervisor's snapshots of a VM; none if it cannot list them (logged). */
const listedSnapshots = (driver: Driver, vm: Vm) =>
  driver.snapshots === undefined
    ? Effect.succeed([])
    : driver.snapshots
        .list(vm.hostname)
        .pipe(
          Effect.catch((error) => Effect.as(Effect.logWarning(`could not list ${vm.hostname}'s snapshots`, error), [])),
        )

/**
 * P1, #14: a snapshot left "creating" by a crash may have been completed by the hypervisor meanwhile (QEMU saves it
 * whether or not the agent waits): ready, with its size, if the hypervisor lists it, else failed. Returns the ids
 * of the snapshots found whole. A hypervisor that cannot list them leaves them failed, as nothing proves them.
 */
const settleCutShortSnapshots = Effect.fn("recovery.settleCutShortSnapshots")(function* (driver: Driver, vm: Vm) {
  const store = yield* Store
  const cutShort = yield* store.snapshots.list({ vmId: vm.id, state: "creating" })
  const completed = new Set<string>()
  if (cutShort.length === 0) return completed
  const listed = yield* listedSnapshots(driver, vm)
  for (const snapshot of cutShort) {
    const found = listed.find((info) => info.name === snapshotDriverName(snapshot))
    if (found === undefined) {
      yield* store.snapshots.update(snapshot.id, { state: "failed" })
      continue
    }
    yield* store.snapshots.update(snapshot.id, { state: "ready", sizeBytes: Math.max(0, Math.round(found.sizeBytes)) })
    completed.add(snapshot.id)
  }
  return completed
})

/**
 * V4, #14: a backup left "creating" by a crash. The hypervisor may have carried the copy to its end by itself (QEMU
 * does, while the VM runs): ready, with its size, when the driver says the copy completed as planned. Anything else
 * holds nothing known to be whole: failed, and its partial file removed so that it takes no room and nothing restores
 * from it. A failed backup blocks nothing, and the next one does not build on it (only ready backups are built on); a
 * driver that keeps a chain's end (QEMU: written ahead of the copy) refuses an increment past it, so the next backup
 * starts a new chain. Returns the ids of the backups found whole.
 */
const settleCutShortBackups = Effect.fn("recovery.settleCutShortBackups")(function* (driver: Driver, vm: Vm) {
  const store = yield* Store
  const completed = new Set<string>()
  for (const backup of yield* store.backups.list({ vmId: vm.id, state: "creating" })) {
    const settle = driver.backups?.settle
    const previous = backup.parentId === null ? undefined : (yield* store.backups.get(backup.parentId)).location
    const result =
      settle === undefined
        ? undefined
        : yield* settle(vm.hostname, backup.location, previous).pipe(
            Effect.catch((error) =>
              Effect.as(
                Effect.logWarning(`could not tell what became of the backup ${backup.location}`, error),
                undefined,
              ),
            ),
          )
    if (result !== undefined) {
      yield* store.backups.update(backup.id, { state: "ready", sizeBytes: Math.max(0, Math.round(result.sizeBytes)) })
      completed.add(backup.id)
      continue
    }
    yield* driver.volumes
      .remove(backup.location)
      .pipe(Effect.catch((error) => Effect.logWarning(`could not remove the partial backup ${backup.location}`, error)))
    yield* store.backups.update(backup.id, { state: "failed", sizeBytes: 0 })
  }
  return completed
})

/**
 * P1, #12: a snapshot is taken while its record is written, so a crash in between leaves one in the hypervisor that
 * no record names (the lock the crash left was held for `snapshot.create`). Such a snapshot was never the user's: it
 * goes. Only the hypervisor's snapshots named as the core names them (`hx-<id>`) are looked at.
 */
const removeUnrecordedSnapshots = Effect.fn("recovery.removeUnrecordedSnapshots")(function* (driver: Driver, vm: Vm) {
  const calls = driver.snapshots
  if (calls === undefined) return
  const store = yield* Store
  const recorded = new Set((yield* store.snapshots.list({ vmId: vm.id })).map(snapshotDriverName))
  for (const { name } of yield* listedSnapshots(driver, vm)) {
    if (!coreNamed.test(name) || recorded.has(name)) continue
    yield* calls
      .remove(vm.hostname, name)
      .pipe(Effect.catch((error) => Effect.logWarning(`could not remove the unrecorded snapshot ${name}`, error)))
  }
})
const coreNamed = /^hx-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const backupIdOf = (task: Task) => String((task.params as { readonly backupId?: string } | null)?.backupId)

/** A deletion cut short is carried through: the user asked for it, and half-deleted VMs help nobody. */
const finishDeletion = Effect.fn("recovery.finishDeletion")(function* (driver: Driver, vm: Vm, task: Task | undefined) {
  const params = (task?.params ?? {}) as { destroy?: boolean; deleteDataDisks?: boolean }
  if (params.destroy || task?.operation === "vm.purge") {
    yield* destroyCompletely(driver, vm, params.deleteDataDisks ?? false)
    return
  }
  yield* ignoreMissing(driver.shutdown(vm.hostname, { force: true, timeoutMs: 0 }))
  yield* moveVm(vm, "stopped", "recovery", "deletion completed after a restart", {
    recycledAt: vm.recycledAt ?? (yield* now),
  })
})

/**
 * Bring one VM's record in line with the hypervisor, and close the tasks the crash left open; `snapshotting`: the
 * crash cut a snapshot's creation short, maybe before its record was written.
 */
const reconcileVm = Effect.fn("recovery.reconcileVm")(function* (vm: Vm, snapshotting: boolean) {
  const store = yield* Store
  const driver = yield* driverFor(vm)
  const open = yield* store.tasks.list({ vmId: vm.id, states: ["queued", "running"] })
  // R9: a migration cut short leaves the VM here, resumed, before what the hypervisor runs is observed.
  if (vm.state === "migrating") yield* settleCutShortMigration(driver, vm, open)
  const observed = yield* observe(driver, vm)
  const outcome = yield* Effect.exit(
    vm.state === "destroying"
      ? finishDeletion(driver, vm, open[0])
      : Effect.gen(function* () {
          const target = reconcile(vm.state, observed)
          const reason = vm.state === "error" ? stillRunning : interrupted(observed)
          if (target !== vm.state) yield* moveVm(vm, target, "recovery", reason)
        }),
  )
  const completedSnapshots = yield* settleCutShortSnapshots(driver, vm)
  if (snapshotting) yield* removeUnrecordedSnapshots(driver, vm)
  const completedBackups = yield* settleCutShortBackups(driver, vm)
  for (const task of open) {
    const completed =
      (vm.state === "destroying" && Exit.isSuccess(outcome)) ||
      (task.operation === "snapshot.create" && task.targetId !== null && completedSnapshots.has(task.targetId)) ||
      (task.operation === "disk.backup" && completedBackups.has(backupIdOf(task)))
    const exit = completed
      ? Exit.succeed({ completedBy: "recovery" })
      : Exit.fail({ _tag: "Interrupted", message: interrupted(observed) })
    yield* finishTask(task, scopeOf(vm), exit)
  }
  yield* thawIfCutShort(driver, vm, observed, open)
  if (Exit.isFailure(outcome)) yield* Effect.logWarning(`could not reconcile ${vm.hostname}`, outcome.cause)
  return { vmId: vm.id, was: vm.state, observed }
})

/**
 * On start: no VM stays transient and no task stays open. VMs in a stable state whose hypervisor view changed
 * while the agent was down are brought in line too. A driver that cannot answer leaves its VMs for the next start.
 */
export const recover = Effect.fn("operations.recover")(function* () {
  const store = yield* Store
  const config = yield* HostConfig
  // Locks an earlier start of this agent held when it stopped: their operations are reconciled below.
  const stale = yield* (yield* VmLocks).releaseStale
  const snapshotting = new Set(stale.filter((lock) => lock.operation === "snapshot.create").map((lock) => lock.vmId))
  const live = yield* store.vms.list({ hostId: config.hostId })
  const recycled = yield* store.vms.list({ hostId: config.hostId, recycled: true })
  const results = []
  for (const vm of [...live, ...recycled]) {
    const needed =
      isTransient(vm.state) ||
      vm.state === "running" ||
      vm.state === "stopped" ||
      snapshotting.has(vm.id) ||
      (yield* runsHereAgain(vm))
    if (!needed) continue
    const result = yield* Effect.exit(reconcileVm(vm, snapshotting.has(vm.id)))
    if (Exit.isSuccess(result)) results.push(result.value)
    else yield* Effect.logWarning(`recovery skipped ${vm.hostname}`, result.cause)
  }
  yield* closeMigrationsMovedAway().pipe(Effect.catch((error) => Effect.logWarning("migration tasks left open", error)))
  return results
})
