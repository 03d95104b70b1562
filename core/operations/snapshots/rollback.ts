import { Effect } from "effect"
import type { Actor, VmCountsContext } from "../../rules/context.ts"
import { rollbackVmRules, snapshotRules } from "../../rules/snapshots.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { VmCheck } from "../vm-operation.ts"
import { onSnapshot, type SnapshotOperation, snapshotCalls, snapshotDriverName } from "./records.ts"

/**
 * P4: roll a stopped VM back to a ready snapshot. Its disks return to the snapshot; with memory saved, the next
 * start resumes the saved guest instead of booting. The VM stays stopped.
 */
export const rollbackSnapshotOperation: SnapshotOperation = {
  ...onSnapshot,
  operation: "snapshot.rollback",
  rules: snapshotRules.rollback,
  task: ({ snapshot }) => ({
    targetId: snapshot.id,
    params: { snapshotId: snapshot.id, name: snapshot.name, withMemory: snapshot.withMemory },
  }),
  work: {
    kind: "background",
    run: ({ vm, snapshot }, driver) =>
      snapshotCalls(driver, "snapshots.revert").pipe(
        Effect.flatMap((calls) => calls.revert(vm.hostname, snapshotDriverName(snapshot))),
        Effect.as({ snapshotId: snapshot.id, withMemory: snapshot.withMemory }),
      ),
  },
}

/**
 * P4 before a snapshot is chosen (each snapshot's "roll back" button): what the VM itself must allow, and that it has
 * a snapshot at all (F9): its counts, which the detail reads anyway.
 */
export const rollbackVmCheck: VmCheck<"counts", void, VmCountsContext> = {
  operation: "snapshot.rollback",
  reads: "counts",
  context: (base) => Effect.succeed(base),
  rules: rollbackVmRules,
}

/** P4: returns the task at once. */
export const rollbackSnapshot = (actor: Actor, vmId: string, snapshotId: string) =>
  runVmOperation(rollbackSnapshotOperation, actor, vmId, snapshotId)
