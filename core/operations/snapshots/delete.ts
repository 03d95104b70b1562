import { Effect } from "effect"
import type { Actor } from "../../rules/context.ts"
import { snapshotRules } from "../../rules/snapshots.ts"
import { Store } from "../../store/ports.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import { onSnapshot, type SnapshotOperation, snapshotCalls, snapshotDriverName } from "./records.ts"

/**
 * P5: delete a snapshot from the hypervisor, then its record (a failed one too: the driver's remove is idempotent).
 * Retention (P2) deletes a schedule's old snapshots through this operation as well.
 */
export const deleteSnapshotOperation: SnapshotOperation = {
  ...onSnapshot,
  operation: "snapshot.delete",
  rules: snapshotRules.delete,
  task: ({ snapshot }) => ({
    targetId: snapshot.id,
    params: { snapshotId: snapshot.id, name: snapshot.name, scheduleId: snapshot.scheduleId },
  }),
  work: {
    kind: "background",
    run: ({ vm, snapshot }, driver) =>
      Effect.gen(function* () {
        const store = yield* Store
        const calls = yield* snapshotCalls(driver, "snapshots.remove")
        yield* calls.remove(vm.hostname, snapshotDriverName(snapshot))
        yield* store.snapshots.remove(snapshot.id)
        return { snapshotId: snapshot.id }
      }),
  },
}

/** P5: returns the task at once. */
export const deleteSnapshot = (
  actor: Actor,
  vmId: string,
  snapshotId: string,
  options: { readonly parentId?: string } = {},
) => runVmOperation(deleteSnapshotOperation, actor, vmId, snapshotId, options)
