import { randomUUID } from "node:crypto"
import { Effect, Fiber } from "effect"
import type { Driver } from "../../driver/driver.ts"
import type { Snapshot } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { type SnapshotCreateContext, snapshotRules } from "../../rules/snapshots.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { quiesced } from "./quiesce.ts"
import { checkSnapshotName, defaultSnapshotName, snapshotCalls, snapshotDriverName } from "./records.ts"

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
 * snapshot is consistent as it is, and a guest saved frozen would resume frozen). The freeze and the snapshot itself
 * run while the snapshot and its task are recorded (`recorded`, #12: the record is off the operation's critical
 * path); the work ends once both are done. A recording that fails leaves a snapshot no record names: the declaration's
 * `discard` removes it once the snapshot's call has ended (never cut short, so nothing is left half made), and a crash
 * in between is reconciled on the next start (recovery.ts, `removeUnrecordedSnapshots`). The size is read back while
 * the guest thaws; the record becomes ready in the statement that settles the task (`settles`).
 */
const take = (driver: Driver, vm: Vm, snapshot: Snapshot, recorded: Effect.Effect<unknown>) =>
  Effect.gen(function* () {
    const calls = yield* snapshotCalls(driver, "snapshots.create")
    const name = snapshotDriverName(snapshot)
    const record = calls
      .list(vm.hostname)
      .pipe(Effect.map((listed) => Math.max(0, Math.round(listed.find((info) => info.name === name)?.sizeBytes ?? 0))))
    const create = calls.create(vm.hostname, name, { withMemory: snapshot.withMemory })
    // The recording's outcome is awaited, not raced: its failure must not cut the hypervisor's call short.
    const both = Effect.all([create, Effect.exit(recorded)], { concurrency: 2 }).pipe(
      Effect.flatMap(([, written]) => written),
    )
    const { value: recording, quiesce } = yield* quiesced(
      driver,
      vm,
      !snapshot.withMemory,
      both.pipe(Effect.andThen(Effect.forkChild(record))),
    )
    const sizeBytes = yield* Fiber.join(recording)
    return { snapshotId: snapshot.id, sizeBytes, quiesce }
  })

interface SnapshotInput {
  readonly name: string
  readonly withMemory: boolean
  readonly scheduleId: string | null
}

/** The context carries the snapshot to be recorded, so that the task and the work name the one that was checked. */
interface SnapshotCreate extends SnapshotCreateContext {
  readonly snapshot: Snapshot
}

/**
 * P1 (and each run of a P2 schedule): no backups or backup schedules on the VM's disks, memory only while running;
 * the snapshot is recorded "creating" with its task, taken in the background (the freeze and the snapshot overlapping
 * the recording), and becomes "ready" with its size, or "failed".
 */
export const createSnapshotOperation: VmOperation<
  "counts",
  SnapshotInput,
  SnapshotCreate,
  Driver,
  BackgroundWork<SnapshotCreate, Driver, void>
> = {
  operation: "snapshot.create",
  reads: "counts",
  context: (base, input) =>
    Effect.map(now, (at) => ({
      ...base,
      withMemory: input.withMemory,
      snapshot: {
        id: randomUUID(),
        vmId: base.vm.id,
        name: input.name,
        withMemory: input.withMemory,
        origin: input.scheduleId === null ? "manual" : "scheduled",
        scheduleId: input.scheduleId,
        state: "creating",
        sizeBytes: 0,
        createdAt: at,
      },
    })),
  rules: snapshotRules.create,
  prepare: ({ vm, withMemory }) =>
    Effect.gen(function* () {
      const driver = yield* driverFor(vm)
      yield* snapshotCalls(driver, "snapshots.create", withMemory ? "memorySnapshot" : "diskSnapshot")
      return driver
    }),
  task: ({ snapshot }, input) => ({ targetId: snapshot.id, params: input }),
  work: {
    kind: "background",
    overlap: true,
    // Recorded with its task, in one statement; ready with the task's success, in one statement too.
    row: ({ snapshot }) => ({ kind: "snapshot", row: snapshot }),
    run: ({ vm, snapshot }, driver, recorded) => take(driver, vm, snapshot, recorded),
    settles: ({ snapshot }, value) => ({
      kind: "snapshot",
      id: snapshot.id,
      patch: { state: "ready", sizeBytes: (value as Effect.Success<ReturnType<typeof take>>).sizeBytes },
    }),
    onFailure: ({ snapshot }) => Store.use((store) => store.snapshots.update(snapshot.id, { state: "failed" })),
    // The snapshot was taken alongside a recording that failed: no record names it, so it goes (remove is idempotent).
    discard: ({ vm, snapshot }, driver) =>
      Effect.flatMap(snapshotCalls(driver, "snapshots.remove"), (calls) =>
        calls.remove(vm.hostname, snapshotDriverName(snapshot)),
      ),
  },
}

/** P1: check the name, then run the declaration; returns the task at once. */
export const createSnapshot = Effect.fnUntraced(function* createSnapshot(
  actor: Actor,
  vmId: string,
  options: SnapshotOptions = {},
) {
  const scheduleId = options.scheduleId ?? null
  const name = options.name ?? defaultSnapshotName(yield* now, scheduleId !== null)
  yield* checkSnapshotName(name)
  return yield* runVmOperation(
    createSnapshotOperation,
    actor,
    vmId,
    { name, withMemory: options.withMemory ?? false, scheduleId },
    options,
  )
})
