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
 * R9, #17: migration tasks this agent left open that recovery of its VMs did not close: a VM already recorded on its
 * target (this agent stopped after the move was recorded) is closed as completed; a VM the leader's failover
 * handled meanwhile (this host read down while its agent was away: the VM recorded down, or restarted elsewhere) is
 * closed as interrupted, and the target's incoming side is ended. The paused source QEMU of a VM recorded elsewhere
 * was stopped by stopMovedAway before this runs.
 */
export const closeMigrationsMovedAway = Effect.fn("recovery.closeMigrationsMovedAway")(function* () {
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const peers = yield* MigrationPeers
  const open = (yield* store.tasks.list({ states: ["queued", "running"] })).filter(
    (t) => t.operation === "vm.migrate" && t.vmId !== null && targetOf(t).from === hostId,
  )
  for (const task of open) {
    const found = yield* store.vms.get(task.vmId as string).pipe(Effect.option)
    if (found._tag === "None" || found.value.state === "migrating") continue
    const vm = found.value
    const { to } = targetOf(task)
    if (vm.hostId === to && vm.state === "running") {
      yield* finishTask(task, scopeOf(vm), Exit.succeed({ completedBy: "recovery", to }))
      continue
    }
    if (to !== undefined && peers !== undefined && vm.hostId !== to) {
      yield* Store.use((s) => s.hosts.get(to)).pipe(
        Effect.flatMap((host) => peers.abort(host, vm.id, [])),
        Effect.catch((error) => Effect.logWarning(`could not end ${vm.hostname}'s incoming side on ${to}`, error)),
      )
    }
    const message = `The agent stopped during the migration; the VM is now ${vm.state} on host ${vm.hostId}.`
    yield* finishTask(task, scopeOf(vm), Exit.fail({ _tag: "Interrupted", message }))
  }
})
