import { randomUUID } from "node:crypto"
import { Effect, Fiber } from "effect"
import { HostConfig } from "../../config.ts"
import type { BackupResult, Driver } from "../../driver/driver.ts"
import type { DriverError } from "../../driver/errors.ts"
import type { Backup, Disk } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { type DiskContext, diskRules } from "../../rules/disks.ts"
import { checkRules } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { quiesced } from "../snapshots/quiesce.ts"
import { forkTask, withVmLock } from "../snapshots/vm-task.ts"
import { scopeOf } from "../vm-state.ts"
import { type BackupPlan, chainName, manualChainLimit, planBackup, streamOf } from "./chains.ts"
import { backupCalls, backupLocation, loadVisibleDisk } from "./disk-access.ts"

export interface DiskBackupOptions {
  /** A schedule's run (V5): recorded with origin "scheduled"; its chains are its own and at most `retention` long. */
  readonly scheduleId?: string
  readonly parentId?: string
}

type Calls = NonNullable<Driver["backups"]>

const copy = (calls: Calls, vm: Vm, disk: Disk, backup: Backup, plan: BackupPlan) =>
  plan.kind === "full"
    ? calls.full(vm.hostname, disk.id, backup.location, { chain: plan.chain })
    : calls.incremental(vm.hostname, disk.id, backup.location, { chain: plan.chain, previous: plan.previous.location })

interface Copied {
  readonly result: BackupResult
  readonly plan: BackupPlan
  /** Why the planned increment was refused, when a full backup was taken instead. */
  readonly fellBack: string | null
}

const copyOrFull = (calls: Calls, vm: Vm, disk: Disk, backup: Backup, plan: BackupPlan) => {
  const planned: Effect.Effect<Copied, DriverError> = Effect.map(copy(calls, vm, disk, backup, plan), (result) => ({
    result,
    plan,
    fellBack: null,
  }))
  if (plan.kind === "full") return planned
  const fresh: BackupPlan = { kind: "full", chain: chainName(backup.id), supersedes: plan.chain }
  return planned.pipe(
    Effect.catch((error) =>
      Effect.logWarning(`increment of ${disk.id} refused; taking a full backup`, error).pipe(
        Effect.andThen(copy(calls, vm, disk, backup, fresh)),
        Effect.map((result): Copied => ({ result, plan: fresh, fellBack: error.message })),
      ),
    ),
  )
}

/** The backup's record "creating", and the plan it follows (full, or an increment on the chain's last backup). */
interface Planned {
  readonly backup: Backup
  readonly plan: BackupPlan
}

/**
 * The hypervisor's part, with the guest's file systems frozen while the VM runs; the freeze starts while the backup
 * and its task are recorded (`recorded`), and the copy waits for both. An increment the hypervisor cannot make (the
 * chain's bitmap was dropped when a backup of it was deleted, or lost with the disk) becomes a full backup starting
 * a new chain: a full backup is always correct. The record is made ready while the guest thaws; then a chain that
 * no longer grows has its bitmap dropped.
 */
const take = (driver: Driver, calls: Calls, vm: Vm, disk: Disk, recorded: Effect.Effect<Planned>) =>
  Effect.gen(function* () {
    const store = yield* Store
    const record = (backup: Backup, { result, plan: made }: Copied) => {
      const sizeBytes = Math.max(0, Math.round(result.sizeBytes))
      return store.backups
        .update(backup.id, {
          state: "ready",
          sizeBytes,
          kind: made.kind,
          parentId: made.kind === "incremental" ? made.previous.id : null,
        })
        .pipe(Effect.as(sizeBytes))
    }
    const copied = Effect.gen(function* () {
      const { backup, plan } = yield* recorded
      const value = yield* copyOrFull(calls, vm, disk, backup, plan)
      return { ...value, backup, recording: yield* Effect.forkChild(record(backup, value)) }
    })
    const { value, quiesce } = yield* quiesced(driver, vm, true, copied)
    const sizeBytes = yield* Fiber.join(value.recording)
    const made = value.plan
    if (made.kind === "full" && made.supersedes !== null) {
      yield* calls
        .dropChain(vm.hostname, disk.id, made.supersedes)
        .pipe(Effect.catch((error) => Effect.logWarning(`could not drop the old chain ${made.supersedes}`, error)))
    }
    return {
      backupId: value.backup.id,
      kind: made.kind,
      chain: made.chain,
      sizeBytes,
      quiesce,
      fellBack: value.fellBack,
    }
  })

/**
 * V4 (and each run of a V5 schedule): back up a disk attached to the VM: not while the VM has snapshots or snapshot
 * schedules. The first backup of a stream is full, the next ones increments through the chain's dirty bitmap,
 * written to <storageDir>/../backups/<diskId>/<backupId>.qcow2. Holds the VM's lock; returns the task at once.
 */
export const backupDisk = Effect.fn("operations.backupDisk")(function* (
  actor: Actor,
  vmId: string,
  diskId: string,
  options: DiskBackupOptions = {},
) {
  const scheduleId = options.scheduleId ?? null
  return yield* withVmLock({
    operation: "disk.backup",
    actor,
    vmId,
    reads: "counts",
    check: (base) =>
      Effect.gen(function* () {
        const { disk } = yield* loadVisibleDisk(actor, diskId, base.vm)
        const context: DiskContext = { ...base, disk }
        yield* checkRules("disk.backup", diskRules.backup, context)
        const driver = yield* driverFor(base.vm)
        return { ...context, driver, calls: yield* backupCalls(driver, "backups.full") }
      }),
    body: ({ driver, calls, ...context }, release) =>
      Effect.gen(function* () {
        const store = yield* Store
        const config = yield* HostConfig
        const id = randomUUID()
        const planned = Effect.gen(function* () {
          const limit = scheduleId === null ? manualChainLimit : (yield* store.schedules.get(scheduleId)).retention
          const all = yield* store.backups.list({ diskId })
          const plan = planBackup(streamOf(all, scheduleId), all, limit, id)
          const backup = yield* store.backups.insert({
            id,
            diskId,
            vmId,
            kind: plan.kind,
            parentId: plan.kind === "incremental" ? plan.previous.id : null,
            origin: scheduleId === null ? "manual" : "scheduled",
            scheduleId,
            location: backupLocation(config.storageDir, diskId, id),
            sizeBytes: 0,
            state: "creating",
            createdAt: yield* now,
          })
          return { backup, plan }
        })
        return yield* forkTask({
          start: {
            operation: "disk.backup",
            actor,
            scope: scopeOf(context.vm),
            vmId,
            targetId: diskId,
            ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
            params: { diskId, backupId: id, scheduleId },
          },
          record: planned,
          work: (recorded) => take(driver, calls, context.vm, context.disk, recorded),
          onFailure: store.backups.update(id, { state: "failed" }),
          release,
        }).pipe(Effect.onError(() => Effect.ignore(store.backups.remove(id))))
      }),
  })
})
