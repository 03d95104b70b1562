import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { HostConfig } from "../../config.ts"
import type { BackupResult, Driver } from "../../driver/driver.ts"
import type { DriverError } from "../../driver/errors.ts"
import type { Backup, Disk } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor, VmCountsContext } from "../../rules/context.ts"
import { backupVmRules, type DiskContext, diskRules } from "../../rules/disks.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import { quiesced } from "../snapshots/quiesce.ts"
import type { BackgroundWork, VmCheck, VmOperation } from "../vm-operation.ts"
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
 * a new chain: a full backup is always correct. A chain that no longer grows then has its bitmap dropped; the record
 * becomes ready in the statement that settles the task (`settles`).
 */
const take = (driver: Driver, calls: Calls, vm: Vm, disk: Disk, recorded: Effect.Effect<Planned>) =>
  Effect.gen(function* () {
    const copied = Effect.gen(function* () {
      const { backup, plan } = yield* recorded
      return { ...(yield* copyOrFull(calls, vm, disk, backup, plan)), backup }
    })
    const { value, quiesce } = yield* quiesced(driver, vm, true, copied)
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
      sizeBytes: Math.max(0, Math.round(value.result.sizeBytes)),
      quiesce,
      fellBack: value.fellBack,
    }
  })

type Prepared = { readonly driver: Driver; readonly calls: Calls }
type BackupTake = DiskContext & { readonly backupId: string; readonly scheduleId: string | null }

/**
 * V4 (and each run of a V5 schedule): back up a disk attached to the VM: not while the VM has snapshots or snapshot
 * schedules. The first backup of a stream is full, the next ones increments through the chain's dirty bitmap,
 * written to <storageDir>/../backups/<diskId>/<backupId>.qcow2. The freeze overlaps the recording.
 */
export const backupDiskOperation: VmOperation<
  "counts",
  { readonly diskId: string; readonly scheduleId: string | null },
  BackupTake,
  Prepared,
  BackgroundWork<BackupTake, Prepared, Planned>
> = {
  operation: "disk.backup",
  reads: "counts",
  item: ({ diskId }) => ({ kind: "disk", id: diskId }),
  context: (base, { diskId, scheduleId }, claimed) =>
    Effect.map(loadVisibleDisk(base.actor, diskId, base.vm, claimed?.disk), ({ disk }) => ({
      ...base,
      disk,
      backupId: randomUUID(),
      scheduleId,
    })),
  rules: diskRules.backup,
  prepare: ({ vm }) =>
    Effect.gen(function* () {
      const driver = yield* driverFor(vm)
      return { driver, calls: yield* backupCalls(driver, "backups.full") }
    }),
  task: ({ disk, backupId, scheduleId }) => ({ targetId: disk.id, params: { diskId: disk.id, backupId, scheduleId } }),
  work: {
    kind: "background",
    overlap: true,
    record: ({ vm, disk, backupId: id, scheduleId }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const config = yield* HostConfig
        const limit = scheduleId === null ? manualChainLimit : (yield* store.schedules.get(scheduleId)).retention
        const all = yield* store.backups.list({ diskId: disk.id })
        const plan = planBackup(streamOf(all, scheduleId), all, limit, id)
        const backup: Backup = {
          id,
          diskId: disk.id,
          vmId: vm.id,
          kind: plan.kind,
          parentId: plan.kind === "incremental" ? plan.previous.id : null,
          origin: scheduleId === null ? "manual" : "scheduled",
          scheduleId,
          location: backupLocation(config.storageDir, disk.id, id),
          sizeBytes: 0,
          state: "creating",
          createdAt: yield* now,
        }
        return { backup, plan }
      }),
    // Recorded with its task, in one statement.
    row: (_context, _prepared, { backup }) => ({ kind: "backup", row: backup }),
    run: ({ vm, disk }, { driver, calls }, recorded) => take(driver, calls, vm, disk, recorded),
    // Ready with the task's success, in one statement; an increment's parent is the one its plan named.
    settles: ({ backupId }, value, { plan }) => {
      const { kind, sizeBytes } = value as Effect.Success<ReturnType<typeof take>>
      const parentId = kind === "incremental" && plan.kind === "incremental" ? plan.previous.id : null
      return { kind: "backup", id: backupId, patch: { state: "ready", sizeBytes, kind, parentId } }
    },
    onFailure: ({ backupId }) => Store.use((store) => store.backups.update(backupId, { state: "failed" })),
  },
}

/** V4 before a disk is chosen (each disk's "back up now" button): only what the VM itself must allow. */
export const backupVmCheck: VmCheck<"counts", void, VmCountsContext> = {
  operation: "disk.backup",
  reads: "counts",
  context: (base) => Effect.succeed(base),
  rules: backupVmRules,
}

/** V4: returns the task at once. */
export const backupDisk = (actor: Actor, vmId: string, diskId: string, options: DiskBackupOptions = {}) =>
  runVmOperation(backupDiskOperation, actor, vmId, { diskId, scheduleId: options.scheduleId ?? null }, options)
