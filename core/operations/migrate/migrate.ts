import { Effect, Fiber, Schedule } from "effect"
import type { Driver, MigrationMode, MigrationStorage } from "../../driver/driver.ts"
import { DriverError, InvalidRequest } from "../../driver/errors.ts"
import type { Host } from "../../model/host.ts"
import type { Actor } from "../../rules/context.ts"
import { lifecycleState, notRecycled } from "../../rules/lifecycle.ts"
import { type MigrateContext, migrateRules } from "../../rules/migrate.ts"
import { superadminOnly } from "../../rules/platform.ts"
import { checkRules } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { driverFor } from "../driver-for.ts"
import { syncHostNetworking } from "../networks/host-networking.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { moveVm } from "../vm-state.ts"
import { withCancelRequest } from "./cancel.ts"
import { diskSyncTimeoutSeconds } from "./disk-sync-deadline.ts"
import { migrationCalls, vmStorage } from "./incoming.ts"
import { type MigrationPeerCalls, MigrationPeers, type MovedDisk } from "./peers.ts"
import { publishProgress } from "./progress.ts"
import { migrationTarget } from "./target.ts"

export interface MigrateInput {
  /** The host to move to; absent, placement chooses among the other hosts. */
  readonly hostId?: string | undefined
  readonly mode?: MigrationMode | undefined
  /** Local storage: the disk copy's deadline (disk-sync-deadline.ts); absent, it follows the VM's disks. */
  readonly diskSyncTimeoutSeconds?: number | undefined
}

type Context = MigrateContext & {
  readonly mode: MigrationMode | undefined
  readonly diskSyncTimeoutSeconds: number | undefined
}

interface Prepared {
  readonly driver: Driver
  readonly calls: NonNullable<Driver["migration"]>
  readonly peers: MigrationPeerCalls
  readonly storage: MigrationStorage
}

const refuse = (driver: string, message: string) =>
  new DriverError({ driver, operation: "migration", reason: new InvalidRequest({ message }) })

/** The open task of the migration (its events name it); the runner records it before the work starts. */
const taskIdOf = (vmId: string) =>
  Store.use((store) => store.tasks.list({ vmId, states: ["queued", "running"] })).pipe(
    Effect.map((tasks) => tasks.find((t) => t.operation === "vm.migrate")?.id ?? vmId),
  )

/**
 * The move proven, recorded: the disks that moved at their new paths on the target, then the VM on the target host
 * and running, in one write (a crash after it leaves a consistent record; recovery handles one before it).
 */
const recordMove = Effect.fn("migration.recordMove")(function* (
  vmId: string,
  target: Host,
  disks: ReadonlyArray<{ readonly id: string; readonly path: string }>,
) {
  const store = yield* Store
  for (const d of disks) yield* store.disks.update(d.id, { path: d.path, backingPath: null, hostId: target.id })
  const vm = yield* store.vms.get(vmId)
  return yield* moveVm(vm, "running", "platform", `migrated to ${target.name}`, {
    hostId: target.id,
    zone: target.zone,
    pod: target.pod,
  })
})

/**
 * R9: live migration of a running VM to another host, run by the source host's agent (requests are forwarded
 * there). The target host is the caller's or placement's; the rules are the catalogue's. The VM shows `migrating`
 * while the work runs: the target's agent prepares the incoming hypervisor (over the cluster's signed channel), this
 * host sends (disks too, for local storage), progress goes out as `vm-migration` events, the target proves the
 * guest alive, and only then the records move the VM (and its moved disks) to the target and the source lets go.
 * Any failure before the proof (a cancel, the target's hypervisor gone, no proof) ends the target's side and
 * resumes the guest here: the VM stays running on the source, the task failed with the reason.
 */
export const migrateOperation: VmOperation<
  "full",
  MigrateInput,
  Context,
  Prepared,
  BackgroundWork<Context, Prepared, unknown>
> = {
  operation: "vm.migrate",
  reads: "full",
  context: (base, input) =>
    Effect.gen(function* () {
      // Who may ask, and of which VM, before any host is weighed (a refused placement would hide these).
      yield* checkRules("vm.migrate", [superadminOnly, notRecycled, lifecycleState("migrate")], base)
      return {
        ...base,
        ...(yield* migrationTarget(base.vm, input.hostId)),
        mode: input.mode,
        diskSyncTimeoutSeconds: input.diskSyncTimeoutSeconds,
      }
    }),
  rules: migrateRules,
  prepare: ({ vm, targetHost }) =>
    Effect.gen(function* () {
      const driver = yield* driverFor(vm, "vm.migrate")
      const calls = yield* migrationCalls(driver, "migration")
      if (targetHost.driver !== driver.name) {
        return yield* refuse(driver.name, `host ${targetHost.name} runs ${targetHost.driver}, not ${driver.name}`)
      }
      const peers = yield* MigrationPeers
      if (peers === undefined) return yield* refuse(driver.name, "this agent is not part of a cluster")
      return { driver, calls, peers, storage: yield* vmStorage(vm.id) }
    }),
  lifecycle: "migrate",
  task: ({ vm, targetHost, mode, diskSyncTimeoutSeconds }) => ({
    targetId: targetHost.id,
    params: {
      from: vm.hostId,
      to: targetHost.id,
      mode: mode ?? "converge",
      ...(diskSyncTimeoutSeconds === undefined ? {} : { diskSyncTimeoutSeconds }),
    },
  }),
  work: {
    kind: "background",
    run: ({ vm, targetHost, mode, diskSyncTimeoutSeconds: asked }, { driver, calls, peers, storage }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const before = yield* store.disks.list({ vmId: vm.id })
        const progress = yield* Effect.forkChild(publishProgress(calls.progress, vm, yield* taskIdOf(vm.id)))
        let made: ReadonlyArray<MovedDisk> = []
        // A cancel is taken between steps and during the proof; during the send the driver's own cancel stops it
        // (interrupting the send would skip its clean-up of the disk mirrors).
        const { incoming, result } = yield* withCancelRequest(vm.id, (cancel) =>
          Effect.gen(function* () {
            const incoming = yield* peers.prepare(targetHost, vm.id, storage)
            made = incoming.disks
            yield* cancel.check
            const options = {
              storage,
              ...(mode === undefined ? {} : { mode }),
              ...(storage === "local" ? { diskSyncTimeoutMs: diskSyncTimeoutSeconds(before, asked) * 1000 } : {}),
            }
            const result = yield* calls.send(vm.hostname, incoming.endpoint, options)
            yield* cancel.check
            yield* cancel.race(peers.finish(targetHost, vm.id))
            return { incoming, result }
          }),
        ).pipe(
          // The target's side first, so that the guest never runs in two places; then the source resumes it.
          Effect.onError(() =>
            Effect.ignore(peers.abort(targetHost, vm.id, made)).pipe(
              Effect.andThen(Effect.ignore(resumeHere(calls, vm.hostname))),
            ),
          ),
          Effect.ensuring(Fiber.interrupt(progress)),
        )
        yield* recordMove(vm.id, targetHost, incoming.disks)
        // Recorded: the paused source ends; should it not, the next start of this agent stops it (stopMovedAway).
        yield* calls
          .release(vm.hostname)
          .pipe(Effect.catch((error) => Effect.logWarning(`the source of ${vm.hostname} did not end`, error)))
        // #15: the VM's taps, their source guards and DHCP reservations leave this host (the target made its own).
        yield* syncHostNetworking.pipe(
          Effect.catch((error) => Effect.logWarning(`${vm.hostname}'s taps were not removed here`, error)),
        )
        const moved = new Set(incoming.disks.map((d) => d.id))
        for (const disk of before.filter((d) => moved.has(d.id))) yield* Effect.ignore(driver.volumes.remove(disk.path))
        return { from: vm.hostId, to: targetHost.id, storage, ...result }
      }),
    // The work moved the VM itself, in the write that placed it on the target.
    onSuccess: () => Effect.succeed("by-work"),
  },
}

/**
 * The guest resumes at the source. A target whose agent did not answer the abort may still hold the disks (its
 * QEMU received the guest and keeps the image locked), and QEMU refuses to resume until it lets go: when that agent
 * returns it ends the incoming QEMU (stopMovedAway), so the resume is tried again every 2 s for up to 10 minutes;
 * meanwhile the guest stays paused here, never running in two places.
 */
const resumeHere = (calls: NonNullable<Driver["migration"]>, name: string) =>
  calls.rollback(name).pipe(
    Effect.retry({ schedule: Schedule.spaced("2 seconds"), times: 300 }),
    Effect.tapError((error) => Effect.logError(`${name} stays paused after a failed migration`, error)),
  )

/** R9: starts a live migration; returns the task at once (it ends once the VM runs on the target, or failed). */
export const migrateVm = (actor: Actor, vmId: string, input: MigrateInput) =>
  runVmOperation(migrateOperation, actor, vmId, input)
