import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { checkRules } from "../../rules/rule.ts"
import { type SnapshotContext, snapshotRules } from "../../rules/snapshots.ts"
import { Store } from "../../store/ports.ts"
import { driverFor } from "../driver-for.ts"
import { readVmRecord } from "../vm-context.ts"
import { scopeOf } from "../vm-state.ts"
import { snapshotCalls, snapshotDriverName, snapshotOfVm } from "./records.ts"
import { forkTask, withVmLock } from "./vm-task.ts"

/**
 * P5: delete a snapshot from the hypervisor, then its record (a failed one too: the driver's remove is idempotent).
 * Retention (P2) deletes a schedule's old snapshots through this operation as well. Returns the task at once.
 */
export const deleteSnapshot = Effect.fn("operations.deleteSnapshot")(function* (
  actor: Actor,
  vmId: string,
  snapshotId: string,
  options: { readonly parentId?: string } = {},
) {
  return yield* withVmLock({
    operation: "snapshot.delete",
    actor,
    vmId,
    reads: readVmRecord,
    check: (base) =>
      Effect.gen(function* () {
        const context: SnapshotContext = { ...base, snapshot: yield* snapshotOfVm(vmId, snapshotId) }
        yield* checkRules("snapshot.delete", snapshotRules.delete, context)
        return context
      }),
    body: (context, release) =>
      Effect.gen(function* () {
        const store = yield* Store
        const driver = yield* driverFor(context.vm)
        const { snapshot, vm } = context
        return yield* forkTask({
          start: {
            operation: "snapshot.delete",
            actor,
            scope: scopeOf(vm),
            vmId,
            targetId: snapshot.id,
            ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
            params: { snapshotId: snapshot.id, name: snapshot.name, scheduleId: snapshot.scheduleId },
          },
          work: Effect.gen(function* () {
            const calls = yield* snapshotCalls(driver, "snapshots.remove")
            yield* calls.remove(vm.hostname, snapshotDriverName(snapshot))
            yield* store.snapshots.remove(snapshot.id)
            return { snapshotId: snapshot.id }
          }),
          release,
        })
      }),
  })
})
