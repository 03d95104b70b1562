// A core in a child process, for the crash-recovery test: it runs one operation with the fake driver hanging
// inside it, says READY once the driver call is blocked, and waits to be killed with SIGKILL.
import { randomBytes } from "node:crypto"
import { Effect, Layer, ManagedRuntime } from "effect"
import { coreLayer } from "../core/layer.ts"
import { backupDisk } from "../core/operations/backups/backup.ts"
import { deleteVm } from "../core/operations/delete.ts"
import { power } from "../core/operations/power.ts"
import { createSnapshot } from "../core/operations/snapshots/create.ts"
import { rollbackSnapshot } from "../core/operations/snapshots/rollback.ts"
import type { Actor } from "../core/rules/context.ts"
import { layerPostgres } from "../core/store/layer.ts"
import { Store } from "../core/store/ports.ts"
import { makeFakeDriver } from "../plugins/fake/index.ts"

export interface CrashPlan {
  /** A database both processes reach (on the test server). */
  readonly store: { readonly kind: "postgres"; readonly url: string }
  readonly stateFile: string
  readonly hostId: string
  readonly actor: Actor
  readonly vmId: string
  /**
   * Completed before the hang: start the VM so that a stop or a backup can hang; start, stop and take a snapshot of
   * the VM (a rollback's target). READY then names the snapshot too.
   */
  readonly prepare: "start" | "snapshot" | null
  /** The driver call that never returns. */
  readonly hang: "start" | "shutdown" | "backups.full" | "snapshots.revert"
  /** A backup is of the VM's first disk; a rollback is to the snapshot prepare took. */
  readonly operation: "start" | "stop" | "delete" | "backup" | "rollback"
}

export const storeLayerOf = (plan: CrashPlan) => layerPostgres(plan.store.url)

export const hostConfigOf = (plan: CrashPlan) => ({
  hostId: plan.hostId,
  storageDir: "/var/lib/hyperx/disks",
  shutdownTimeoutMs: 2000,
  secretKey: randomBytes(32),
})

const main = async (plan: CrashPlan) => {
  const fake = await Effect.runPromise(
    makeFakeDriver({ stateFile: plan.stateFile, bootDelayMs: 0, shutdownDelayMs: 0 }),
  )
  const runtime = ManagedRuntime.make(
    Layer.merge(coreLayer({ host: hostConfigOf(plan), drivers: [fake.driver] }), storeLayerOf(plan)),
  )
  if (plan.prepare === "start") {
    await runtime.runPromise(Effect.flatMap(power(plan.actor, plan.vmId, "start"), (h) => h.done))
  }
  // The hypervisor learns of the domain at its first start; a rollback's VM is then stopped again.
  if (plan.prepare === "snapshot") {
    await runtime.runPromise(Effect.flatMap(power(plan.actor, plan.vmId, "start"), (h) => h.done))
    await runtime.runPromise(Effect.flatMap(power(plan.actor, plan.vmId, "stop"), (h) => h.done))
  }
  const snapshotId =
    plan.prepare === "snapshot"
      ? await runtime.runPromise(
          Effect.flatMap(createSnapshot(plan.actor, plan.vmId, { name: "before" }), (h) =>
            Effect.as(h.done, h.task.targetId ?? ""),
          ),
        )
      : ""
  await runtime.runPromise(fake.faults.hang(plan.hang))
  const operation = Effect.gen(function* () {
    switch (plan.operation) {
      case "delete":
        return yield* deleteVm(plan.actor, plan.vmId)
      case "backup": {
        const [disk] = yield* Store.use((store) => store.disks.list({ vmId: plan.vmId }))
        return yield* backupDisk(plan.actor, plan.vmId, disk?.id ?? "")
      }
      case "rollback":
        return yield* rollbackSnapshot(plan.actor, plan.vmId, snapshotId)
      default:
        return yield* power(plan.actor, plan.vmId, plan.operation)
    }
  })
  const handle = await runtime.runPromise(operation)
  await runtime.runPromise(fake.faults.hanging(plan.hang))
  process.stdout.write(`READY ${handle.task.id} ${snapshotId}\n`)
  // Wait for SIGKILL: nothing here may finish the operation.
  setInterval(() => {}, 60_000)
}

const arg = process.argv[2]
if (arg !== undefined) {
  main(JSON.parse(arg) as CrashPlan).catch((error) => {
    process.stderr.write(`crash-child failed: ${String(error)}\n`)
    process.exit(2)
  })
}
