import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import type { Actor } from "../../rules/context.ts"
import { type SnapshotContext, snapshotRules } from "../../rules/snapshots.ts"
import { driverFor } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { snapshotCalls, snapshotDriverName, snapshotOfVm } from "./records.ts"

/**
 * P4: roll a stopped VM back to a ready snapshot. Its disks return to the snapshot; with memory saved, the next
 * start resumes the saved guest instead of booting. The VM stays stopped.
 */
export const rollbackSnapshotOperation: VmOperation<
  "record",
  string,
  SnapshotContext,
  Driver,
  BackgroundWork<SnapshotContext, Driver, void>
> = {
  operation: "snapshot.rollback",
  reads: "record",
  context: (base, snapshotId) =>
    Effect.map(snapshotOfVm(base.vm.id, snapshotId), (snapshot) => ({ ...base, snapshot })),
  rules: snapshotRules.rollback,
  prepare: ({ vm }) => driverFor(vm),
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

/** P4: returns the task at once. */
export const rollbackSnapshot = (actor: Actor, vmId: string, snapshotId: string) =>
  runVmOperation(rollbackSnapshotOperation, actor, vmId, snapshotId)
