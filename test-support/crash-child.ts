// A core in a child process, for the crash-recovery test: it runs one operation with the fake driver hanging
// inside it, says READY once the driver call is blocked, and waits to be killed with SIGKILL.
import { randomBytes } from "node:crypto"
import { Effect, Layer, ManagedRuntime } from "effect"
import { coreLayer } from "../core/layer.ts"
import { deleteVm } from "../core/operations/delete.ts"
import { power } from "../core/operations/power.ts"
import type { Actor } from "../core/rules/context.ts"
import { layerPostgres } from "../core/store/layer.ts"
import { makeFakeDriver } from "../plugins/fake/index.ts"

export interface CrashPlan {
  /** A database both processes reach (on the test server). */
  readonly store: { readonly kind: "postgres"; readonly url: string }
  readonly stateFile: string
  readonly hostId: string
  readonly actor: Actor
  readonly vmId: string
  /** Completed before the hang, e.g. start the VM so that a stop can hang. */
  readonly prepare: "start" | null
  /** The driver call that never returns. */
  readonly hang: "start" | "shutdown"
  readonly operation: "start" | "stop" | "delete"
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
  await runtime.runPromise(fake.faults.hang(plan.hang))
  const operation =
    plan.operation === "delete" ? deleteVm(plan.actor, plan.vmId) : power(plan.actor, plan.vmId, plan.operation)
  const handle = await runtime.runPromise(operation)
  await runtime.runPromise(fake.faults.hanging(plan.hang))
  process.stdout.write(`READY ${handle.task.id}\n`)
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
