import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import { NotFound } from "../../errors.ts"
import type { Disk } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor } from "../../rules/context.ts"
import { type BackupContext, diskRules } from "../../rules/disks.ts"
import { Store } from "../../store/ports.ts"
import { ignoreMissing } from "../driver-for.ts"
import { runItemOperation } from "../run-vm-operation.ts"
import type { TaskStart } from "../tasks.ts"
import type { BackgroundWork, ItemOperation } from "../vm-operation.ts"
import { chainName, dependentsOf, rootOf } from "./chains.ts"
import { driverForDisk, loadVisibleDisk } from "./disk-access.ts"

/**
 * The chain's bitmap goes first: if that fails nothing is deleted, so no increment can ever be taken on top of a
 * chain that lost its latest backups. Then the files, latest first, then the records.
 */
const removeWithDependents = (driver: Driver, disk: Disk, vm: Vm | null, backupId: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const all = yield* store.backups.list({ diskId: disk.id })
    const backup = all.find((b) => b.id === backupId)
    if (backup === undefined) return yield* new NotFound({ resource: "backup", id: backupId })
    const doomed = [...dependentsOf(backup, all), backup]
    const chain = chainName(rootOf(backup, all).id)
    if (vm !== null && driver.backups !== undefined) {
      yield* ignoreMissing(driver.backups.dropChain(vm.hostname, disk.id, chain))
    }
    for (const gone of doomed) {
      yield* driver.volumes.remove(gone.location)
      yield* store.backups.remove(gone.id)
    }
    return { deleted: doomed.map((b) => b.id), chain }
  })

type Doomed = { readonly disk: Disk; readonly backupId: string }
type Held = BackupContext & Doomed
type Alone = Doomed & { readonly scope: TaskStart["scope"] }
type Input = { readonly backupId: string }

const remove = (context: { readonly disk: Disk; readonly vm?: Vm }, driver: Driver, backupId: string) =>
  removeWithDependents(driver, context.disk, context.vm ?? null, backupId)

/** The disk the backup was made of, if the actor may see it. */
const diskOf = (actor: Actor, backupId: string) =>
  Effect.flatMap(
    Store.use((store) => store.backups.get(backupId)),
    (backup) => loadVisibleDisk(actor, backup.diskId),
  )

const task = ({ disk }: Doomed, { backupId }: Input) => ({ targetId: disk.id, params: { backupId, diskId: disk.id } })

/**
 * V4: delete a backup together with the increments that build on it (they cannot be restored without it; the store
 * would drop their records with it anyway). The chain it belongs to stops growing: its bitmap is dropped, and the
 * stream's next backup is a full one. Retention (V5) prunes through this operation. While the disk is attached the
 * VM's lock is held; its task's result lists the deleted backups.
 */
export const deleteBackupOperation: ItemOperation<
  "counts",
  Input,
  Held,
  Driver,
  BackgroundWork<Held, Driver, void>,
  Alone,
  Driver,
  BackgroundWork<Alone, Driver, void>
> = {
  holder: (actor, { backupId }) => Effect.map(diskOf(actor, backupId), ({ disk }) => disk.vmId),
  held: {
    operation: "disk.delete-backup",
    reads: "counts",
    context: (base, { backupId }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const backup = yield* store.backups.get(backupId)
        return { ...base, disk: yield* store.disks.get(backup.diskId), backup, backupId }
      }),
    rules: diskRules["delete-backup"],
    prepare: ({ disk }) => driverForDisk(disk),
    task,
    work: { kind: "background", run: (context, driver) => remove(context, driver, context.backupId) },
  },
  alone: {
    operation: "disk.delete-backup",
    context: (actor, { backupId }) =>
      Effect.map(diskOf(actor, backupId), ({ disk, scope }) => ({ disk, scope, backupId })),
    rules: [],
    prepare: ({ disk }) => driverForDisk(disk),
    task: (context, input) => ({ ...task(context, input), scope: context.scope }),
    work: { kind: "background", run: (context, driver) => remove(context, driver, context.backupId) },
  },
}

/** V4: returns the task at once. */
export const deleteBackup = (actor: Actor, backupId: string, options: { readonly parentId?: string } = {}) =>
  runItemOperation(deleteBackupOperation, actor, { backupId }, options)
