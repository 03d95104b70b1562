import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { checkRules } from "../../rules/rule.ts"
import { type SnapshotContext, snapshotRules } from "../../rules/snapshots.ts"
import { driverFor } from "../driver-for.ts"
import { readVmRecord } from "../vm-context.ts"
import { scopeOf } from "../vm-state.ts"
import { snapshotCalls, snapshotDriverName, snapshotOfVm } from "./records.ts"
import { forkTask, withVmLock } from "./vm-task.ts"

/**
 * P4: roll a stopped VM back to a ready snapshot. Its disks return to the snapshot; with memory saved, the next
 * start resumes the saved guest instead of booting. The VM stays stopped. Returns the task at once.
 */
export const rollbackSnapshot = Effect.fn("operations.rollbackSnapshot")(function* (
  actor: Actor,
  vmId: string,
  snapshotId: string,
) {
  return yield* withVmLock({
    operation: "snapshot.rollback",
    actor,
    vmId,
    reads: readVmRecord,
    check: (base) =>
      Effect.gen(function* () {
        const context: SnapshotContext = { ...base, snapshot: yield* snapshotOfVm(vmId, snapshotId) }
        yield* checkRules("snapshot.rollback", snapshotRules.rollback, context)
        return context
      }),
    body: (context, release) =>
      Effect.gen(function* () {
        const driver = yield* driverFor(context.vm)
        const { snapshot, vm } = context
        return yield* forkTask({
          start: {
            operation: "snapshot.rollback",
            actor,
            scope: scopeOf(vm),
            vmId,
            targetId: snapshot.id,
            params: { snapshotId: snapshot.id, name: snapshot.name, withMemory: snapshot.withMemory },
          },
          work: snapshotCalls(driver, "snapshots.revert").pipe(
            Effect.flatMap((calls) => calls.revert(vm.hostname, snapshotDriverName(snapshot))),
            Effect.as({ snapshotId: snapshot.id, withMemory: snapshot.withMemory }),
          ),
          release,
        })
      }),
  })
})
