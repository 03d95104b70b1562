import { Deferred, Effect, Schema } from "effect"
import type { Actor, VmRecordContext } from "../../rules/context.ts"
import { migrateCancelRules } from "../../rules/migrate.ts"
import { Store } from "../../store/ports.ts"
import { driverFor } from "../driver-for.ts"
import { checkVmOperation } from "../run-vm-operation.ts"
import type { VmOperation } from "../vm-operation.ts"
import { migrationCalls } from "./incoming.ts"

/** R9: a migration a superadmin cancelled before the target proved the guest; the VM runs on at its source. */
export class MigrationCancelled extends Schema.TaggedError<MigrationCancelled>()("MigrationCancelled", {
  vmId: Schema.String,
}) {
  override get message() {
    return "The migration was cancelled; the VM keeps running on its host"
  }
}

/**
 * The cancel requests of the migrations this agent runs, per store (so per agent, or per test world), as
 * driver-for.ts keeps its drivers: a request reaches the source's agent (forwarded there), whose running migration
 * waits on it alongside its work.
 */
const requests = new WeakMap<Store["Service"], Map<string, Deferred.Deferred<void>>>()

const requestsOf = (store: Store["Service"]) => {
  let map = requests.get(store)
  if (map === undefined) {
    map = new Map()
    requests.set(store, map)
  }
  return map
}

/**
 * Runs `steps` (prepare, send, proof) until they end or a cancel arrives; a cancel interrupts them (their clean-up
 * runs: the target's side ends, the guest resumes here) and fails with MigrationCancelled.
 */
export const cancellable = <A, E, R>(vmId: string, steps: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const map = requestsOf(yield* Store)
    const request = yield* Deferred.make<void>()
    map.set(vmId, request)
    return yield* Effect.raceFirst(
      steps,
      Effect.andThen(Deferred.await(request), Effect.fail(new MigrationCancelled({ vmId }))),
    ).pipe(Effect.ensuring(Effect.sync(() => map.delete(vmId))))
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
  const request = requestsOf(yield* Store).get(vmId)
  if (request !== undefined) yield* Deferred.succeed(request, undefined)
  return context.vm
})
