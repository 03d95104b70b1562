import { randomUUID } from "node:crypto"
import { Effect, Fiber } from "effect"
import type { Driver } from "../../driver/driver.ts"
import type { Snapshot } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { checkRules } from "../../rules/rule.ts"
import { type SnapshotCreateContext, snapshotRules } from "../../rules/snapshots.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { readVmCounts } from "../vm-context.ts"
import { scopeOf } from "../vm-state.ts"
import { quiesced } from "./quiesce.ts"
import { checkSnapshotName, defaultSnapshotName, snapshotCalls, snapshotDriverName } from "./records.ts"
import { forkTask, withVmLock } from "./vm-task.ts"

export interface SnapshotOptions {
  /** Display name; default "snapshot-<UTC time>" ("auto-…" for a schedule's). */
  readonly name?: string
  /** P1: save the running guest's memory too; default false. */
  readonly withMemory?: boolean
  /** A schedule's run (P2): recorded with origin "scheduled", kept to the schedule's retention. */
  readonly scheduleId?: string
  readonly parentId?: string
}

/**
 * The hypervisor's part: a disk-only snapshot of a running VM is taken with its file systems frozen (a memory
 * snapshot is consistent as it is, and a guest saved frozen would resume frozen). The freeze starts while the
 * snapshot and its task are recorded (`recorded`); the snapshot waits for both. The size is read back and the record
 * made ready while the guest thaws: neither waits for the other.
 */
const take = (driver: Driver, vm: Vm, snapshot: Snapshot, recorded: Effect.Effect<unknown>) =>
  Effect.gen(function* () {
    const store = yield* Store
    const calls = yield* snapshotCalls(driver, "snapshots.create")
    const name = snapshotDriverName(snapshot)
    const record = calls.list(vm.hostname).pipe(
      Effect.map((listed) => Math.max(0, Math.round(listed.find((info) => info.name === name)?.sizeBytes ?? 0))),
      Effect.tap((sizeBytes) => store.snapshots.update(snapshot.id, { state: "ready", sizeBytes })),
    )
    const create = calls.create(vm.hostname, name, { withMemory: snapshot.withMemory })
    const { value: recording, quiesce } = yield* quiesced(
      driver,
      vm,
      !snapshot.withMemory,
      recorded.pipe(Effect.andThen(create), Effect.andThen(Effect.forkChild(record))),
    )
    const sizeBytes = yield* Fiber.join(recording)
    return { snapshotId: snapshot.id, sizeBytes, quiesce }
  })

/**
 * P1 (and each run of a P2 schedule): check the rules (no backups or backup schedules on the VM's disks; memory
 * only while running), hold the VM's lock, record the snapshot as "creating", and take it in the background; the
 * record becomes "ready" with its size, or "failed". Returns the task at once.
 */
export const createSnapshot = Effect.fn("operations.createSnapshot")(function* (
  actor: Actor,
  vmId: string,
  options: SnapshotOptions = {},
) {
  const withMemory = options.withMemory ?? false
  const scheduled = options.scheduleId !== undefined
  const name = options.name ?? defaultSnapshotName(yield* now, scheduled)
  yield* checkSnapshotName(name)
  return yield* withVmLock({
    operation: "snapshot.create",
    actor,
    vmId,
    reads: readVmCounts,
    check: (base) =>
      Effect.gen(function* () {
        const context: SnapshotCreateContext = { ...base, withMemory }
        yield* checkRules("snapshot.create", snapshotRules.create, context)
        const driver = yield* driverFor(base.vm)
        yield* snapshotCalls(driver, "snapshots.create", withMemory ? "memorySnapshot" : "diskSnapshot")
        return { ...context, driver }
      }),
    body: ({ driver, ...context }, release) =>
      Effect.gen(function* () {
        const store = yield* Store
        const snapshot: Snapshot = {
          id: randomUUID(),
          vmId,
          name,
          withMemory,
          origin: scheduled ? "scheduled" : "manual",
          scheduleId: options.scheduleId ?? null,
          state: "creating",
          sizeBytes: 0,
          createdAt: yield* now,
        }
        return yield* forkTask({
          start: {
            operation: "snapshot.create",
            actor,
            scope: scopeOf(context.vm),
            vmId,
            targetId: snapshot.id,
            ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
            params: { name, withMemory, scheduleId: options.scheduleId ?? null },
          },
          record: store.snapshots.insert(snapshot),
          work: (recorded) => take(driver, context.vm, snapshot, recorded),
          onFailure: store.snapshots.update(snapshot.id, { state: "failed" }),
          release,
        }).pipe(Effect.onError(() => Effect.ignore(store.snapshots.remove(snapshot.id))))
      }),
  })
})
