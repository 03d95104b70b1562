import { Effect } from "effect"
import type { Driver, SnapshotInfo } from "../../core/driver/driver.ts"
import type { Hypervisor } from "./hypervisor.ts"
import { guestBytes, type SnapshotRecord } from "./state.ts"

type Snapshots = Required<Pick<Driver, "snapshots">>["snapshots"]

const MiB = 1024 * 1024
/** Metadata and a minimal overlay, so even a snapshot of an empty guest has a size. */
const overheadBytes = 192 * 1024

const info = (snapshot: SnapshotRecord): SnapshotInfo => ({
  name: snapshot.name,
  withMemory: snapshot.withMemory,
  sizeBytes: snapshot.sizeBytes,
  createdAt: new Date(snapshot.createdAtMs),
})

/**
 * Snapshots copy the guest's disk contents (and, with memory, its memory counter). Memory needs a running guest;
 * revert needs a stopped one (P4) and, for a memory snapshot, makes the next start resume that memory.
 * Removing a snapshot that is not there succeeds.
 */
export const makeSnapshots = (hv: Hypervisor): Snapshots => ({
  create: Effect.fn("FakeDriver.snapshots.create")(function* (
    name: string,
    snapshot: string,
    options: { readonly withMemory: boolean },
  ) {
    if (snapshot === "") return yield* hv.invalid("snapshots.create", "snapshot name is empty")
    const now = yield* hv.now
    yield* hv.exclusive(name)(
      hv.update("snapshots.create", name, (record) => {
        if (record.snapshots.some((other) => other.name === snapshot))
          return hv.invalid("snapshots.create", `${name} already has a snapshot ${snapshot}`)
        if (options.withMemory && record.power !== "running") return hv.wrongPower("snapshots.create", record)
        const memoryBytes = options.withMemory ? record.spec.memoryMiB * MiB : 0
        const taken: SnapshotRecord = {
          name: snapshot,
          withMemory: options.withMemory,
          sizeBytes: overheadBytes + guestBytes(record.guest) + memoryBytes,
          createdAtMs: now,
          guest: record.guest,
          memory: options.withMemory ? record.memory : 0,
          ram: options.withMemory ? record.ram : {},
        }
        return { ...record, snapshots: [...record.snapshots, taken] }
      }),
    )
  }),

  revert: Effect.fn("FakeDriver.snapshots.revert")(function* (name: string, snapshot: string) {
    yield* hv.exclusive(name)(
      hv.update("snapshots.revert", name, (record) => {
        const taken = record.snapshots.find((other) => other.name === snapshot)
        if (!taken) return hv.invalid("snapshots.revert", `${name} has no snapshot ${snapshot}`)
        if (record.power !== "stopped") return hv.wrongPower("snapshots.revert", record)
        return {
          ...record,
          guest: taken.guest,
          memory: taken.memory,
          ram: taken.ram,
          resumeMemory: taken.withMemory,
        }
      }),
    )
  }),

  remove: Effect.fn("FakeDriver.snapshots.remove")(function* (name: string, snapshot: string) {
    yield* hv.exclusive(name)(
      hv.update("snapshots.remove", name, (record) => ({
        ...record,
        snapshots: record.snapshots.filter((other) => other.name !== snapshot),
      })),
    )
  }),

  list: Effect.fn("FakeDriver.snapshots.list")(function* (name: string) {
    const record = yield* hv.get("snapshots.list", name)
    return record.snapshots.map(info)
  }),
})
