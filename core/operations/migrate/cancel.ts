import { Deferred, Effect } from "effect"
import { MigrationCancelled } from "../../errors.ts"
import { EventBus } from "../../events/bus.ts"
import type { Actor, VmRecordContext } from "../../rules/context.ts"
import { migrateCancelRules } from "../../rules/migrate.ts"
import { driverFor } from "../driver-for.ts"
import { perBus } from "../per-bus.ts"
import { checkVmOperation } from "../run-vm-operation.ts"
import type { VmOperation } from "../vm-operation.ts"
import { migrationCalls } from "./incoming.ts"

/**
 * The cancel requests of the migrations this agent runs: a request reaches the source's agent (forwarded there), whose
 * running migration waits on it.
 */
const requestsOf = perBus(() => new Map<string, Deferred.Deferred<void>>())

/**
 * A migration's cancel request, registered for as long as `use` runs: `requested` says whether it came, and `race`
 * runs a step until it ends or the request comes (then it fails with MigrationCancelled, the step interrupted).
 * A request made before a step was raced fails it at once.
 */
export const withCancelRequest = <A, E, R>(
  vmId: string,
  use: (cancel: {
    readonly check: Effect.Effect<void, MigrationCancelled>
    readonly race: <B, E2, R2>(step: Effect.Effect<B, E2, R2>) => Effect.Effect<B, E2 | MigrationCancelled, R2>
  }) => Effect.Effect<A, E, R>,
) =>
  Effect.gen(function* () {
    const map = requestsOf(yield* EventBus)
    const request = yield* Deferred.make<void>()
    map.set(vmId, request)
    const cancelled = Effect.fail(new MigrationCancelled({ vmId }))
    const check = Effect.flatMap(Deferred.isDone(request), (done) => (done ? cancelled : Effect.void))
    return yield* use({
      check,
      race: (step) => Effect.raceFirst(step, Effect.andThen(Deferred.await(request), cancelled)),
    }).pipe(Effect.ensuring(Effect.sync(() => map.delete(vmId))))
  })

/** The cancel's check: a superadmin, a migration that runs; it takes no lock (the migration holds it). */
const cancelCheck: VmOperation<"record", void, VmRecordContext> = {
  operation: "vm.migrate-cancel",
  reads: "record",
  context: (base) => Effect.succeed(base),
  rules: migrateCancelRules,
  locks: false,
  task: () => ({}),
  work: undefined,
}

/**
 * R9: cancels the VM's running migration on its source host (requests are forwarded there): the hypervisor's send
 * stops, the target's side ends, the guest keeps running here and the migration's task fails as cancelled. Once the
 * VM is recorded on the target, nothing is left to cancel.
 */
export const cancelMigration = Effect.fn("operations.cancelMigration")(function* (actor: Actor, vmId: string) {
  const { context } = yield* checkVmOperation(cancelCheck, actor, vmId, undefined)
  const driver = yield* driverFor(context.vm, "vm.migrate-cancel")
  // The hypervisor's send first (it then fails and resumes the guest), then the steps around it.
  yield* (yield* migrationCalls(driver, "migration.cancel")).cancel(context.vm.hostname)
  const request = requestsOf(yield* EventBus).get(vmId)
  if (request !== undefined) yield* Deferred.succeed(request, undefined)
  return context.vm
})
