import { Effect, Exit, Schedule } from "effect"
import { HostConfig } from "../../config.ts"
import type { Driver } from "../../driver/driver.ts"
import type { Task, Vm } from "../../model/index.ts"
import { Store } from "../../store/ports.ts"
import { finishTask } from "../tasks.ts"
import { scopeOf } from "../vm-state.ts"
import { MigrationPeers } from "./peers.ts"

const targetOf = (task: Task) => {
  const params = task.params as { readonly from?: unknown; readonly to?: unknown } | null
  return {
    from: typeof params?.from === "string" ? params.from : undefined,
    to: typeof params?.to === "string" ? params.to : undefined,
  }
}

/**
 * R9, #17: this agent stopped while it was sending a VM away, and the records still place the VM here (the move was
 * never recorded, so the target's proof never counted). The VM stays here: the target's agent ends its incoming side
 * first (its QEMU may have received the whole guest, paused), then the guest resumes here if it was left paused;
 * the ordinary reconciliation then records it running. A target that cannot be reached ends its incoming side when
 * its agent starts (stopMovedAway: the records place the VM here).
 */
export const settleCutShortMigration = Effect.fn("recovery.settleCutShortMigration")(function* (
  driver: Driver,
  vm: Vm,
  open: ReadonlyArray<Task>,
) {
  const task = open.find((t) => t.operation === "vm.migrate")
  const to = task === undefined ? undefined : targetOf(task).to
  const peers = yield* MigrationPeers
  if (to !== undefined && peers !== undefined) {
    yield* Store.use((store) => store.hosts.get(to)).pipe(
      Effect.flatMap((host) => peers.abort(host, vm.id, [])),
      Effect.catch((error) => Effect.logWarning(`could not end ${vm.hostname}'s incoming side on ${to}`, error)),
    )
  }
  if (driver.migration !== undefined) {
    // A target that could not be reached may still lock the disks: a few tries, then the start goes on (the VM
    // reads running, its guest paused; resuming it is the operator's once the target's agent has returned).
    yield* driver.migration.rollback(vm.hostname).pipe(
      Effect.retry({ schedule: Schedule.spaced("2 seconds"), times: 5 }),
      Effect.catch((error) => Effect.logWarning(`could not resume ${vm.hostname} after a migration`, error)),
    )
  }
})

/**
 * R9, #17: this agent stopped after it recorded a VM on its target and before it closed the migration's task: the
 * VM runs there (its agent reconciles it), and the task is closed here as completed. The paused source QEMU was
 * stopped by stopMovedAway before this runs.
 */
export const closeMigrationsMovedAway = Effect.fn("recovery.closeMigrationsMovedAway")(function* () {
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const open = (yield* store.tasks.list({ states: ["queued", "running"] })).filter(
    (t) => t.operation === "vm.migrate" && t.vmId !== null && targetOf(t).from === hostId,
  )
  for (const task of open) {
    const vm = yield* store.vms.get(task.vmId as string).pipe(Effect.option)
    if (vm._tag === "None" || vm.value.hostId === hostId) continue
    yield* finishTask(task, scopeOf(vm.value), Exit.succeed({ completedBy: "recovery", to: vm.value.hostId }))
  }
})
