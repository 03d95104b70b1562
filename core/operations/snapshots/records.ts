import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import { DriverError, Unsupported } from "../../driver/errors.ts"
import { InvalidInput, NotFound } from "../../errors.ts"
import type { Snapshot } from "../../model/storage.ts"
import type { VmRecordContext } from "../../rules/context.ts"
import type { SnapshotContext } from "../../rules/snapshots.ts"
import { type ItemRef, Store } from "../../store/ports.ts"
import { driverFor } from "../driver-for.ts"
import type { BackgroundWork, ClaimedItem, VmOperation } from "../vm-operation.ts"

/** The hypervisor's name for a snapshot: derived from its id, so display names may repeat. */
export const snapshotDriverName = (snapshot: Pick<Snapshot, "id">) => `hx-${snapshot.id}`

/** A display name when none is given: "snapshot-" (or "auto-" for a schedule's) and the UTC time, to the minute. */
export const defaultSnapshotName = (at: Date, scheduled: boolean) =>
  `${scheduled ? "auto" : "snapshot"}-${at.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-")}`

export const checkSnapshotName = (name: string) =>
  name.trim() === "" || name.length > 64
    ? Effect.fail(new InvalidInput({ message: "A snapshot name is 1 to 64 characters" }))
    : Effect.void

/**
 * The VM's snapshot, or NotFound when it belongs to another VM (never reveal which); `known` is the snapshot as just
 * read (the lock's claim read it), read otherwise.
 */
export const snapshotOfVm = Effect.fnUntraced(function* snapshotOfVm(
  vmId: string,
  snapshotId: string,
  known?: Snapshot,
) {
  const store = yield* Store
  const snapshot = known?.id === snapshotId ? known : yield* store.snapshots.get(snapshotId)
  if (snapshot.vmId !== vmId) return yield* new NotFound({ resource: "snapshot", id: snapshotId })
  return snapshot
})

/** The driver's snapshot calls, or an Unsupported DriverError when it lacks them or the capability asked for. */
export const snapshotCalls = (
  driver: Driver,
  operation: string,
  capability?: "memorySnapshot" | "diskSnapshot",
): Effect.Effect<NonNullable<Driver["snapshots"]>, DriverError> => {
  const calls = driver.snapshots
  const missing = calls === undefined ? (capability ?? "diskSnapshot") : capability
  if (calls !== undefined && (missing === undefined || driver.capabilities.has(missing))) return Effect.succeed(calls)
  const reason = new Unsupported({ capability: missing ?? "diskSnapshot" })
  return Effect.fail(new DriverError({ driver: driver.name, operation, reason }))
}

/** What an operation on one existing snapshot declares: it reads the VM's record and the snapshot, and drives. */
export type SnapshotOperation = VmOperation<
  "record",
  string,
  SnapshotContext,
  Driver,
  BackgroundWork<SnapshotContext, Driver, void>
>

/** The shared half of such a declaration: the snapshot (NotFound if another VM's) and the VM's driver. */
export const onSnapshot = {
  reads: "record",
  item: (snapshotId: string): ItemRef => ({ kind: "snapshot", id: snapshotId }),
  context: (base: VmRecordContext, snapshotId: string, claimed?: ClaimedItem) =>
    Effect.map(
      snapshotOfVm(base.vm.id, snapshotId, claimed?.snapshot),
      (snapshot): SnapshotContext => ({ ...base, snapshot }),
    ),
  prepare: ({ vm }: SnapshotContext) => driverFor(vm),
} as const
