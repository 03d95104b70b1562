import { Effect } from "effect"
import type { SnapshotInfo } from "../../../core/driver/driver.ts"
import type { LibvirtError } from "../virsh/errors.ts"
import { parseDisks, parseSnapshotXml, type SnapshotXml } from "../virsh/xml-read.ts"
import type { DriverContext } from "./context.ts"
import type { Lifecycle } from "./lifecycle.ts"

/**
 * Our mark in a snapshot's description. libvirt 9.0 takes internal snapshots of a running domain only together with
 * its memory, so a disk-only snapshot of a running domain is such a checkpoint marked "disk": its revert drops the
 * memory (the disks come back as they were at that instant, as after a power cut).
 */
const MEMORY_MARK = "hyperx:memory"
const DISK_MARK = "hyperx:disk"

const hasMemory = (snapshot: SnapshotXml) => snapshot.memory === "internal" && snapshot.description !== DISK_MARK

/**
 * Internal qcow2 snapshots through libvirt (every disk must be qcow2). A revert needs a stopped domain (P4) and
 * leaves it stopped: a memory snapshot is brought back into a managed save image, so the next start resumes the
 * guest where the snapshot was taken.
 */
export const makeSnapshots = (ctx: DriverContext, lifecycle: Lifecycle) => {
  const { client } = ctx

  const create = Effect.fn("LibvirtDriver.snapshots.create")(function* (
    name: string,
    snapshot: string,
    options: { readonly withMemory: boolean },
  ) {
    const operation = "snapshots.create"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        const current = yield* lifecycle.state(operation, name)
        if (options.withMemory && current.power === "stopped") {
          return yield* ctx.errors.wrongPower(operation, name, current.power)
        }
        yield* ctx.call(
          operation,
          name,
          client.snapshotCreate(name, snapshot, options.withMemory ? MEMORY_MARK : DISK_MARK),
        )
      }),
    )
  })

  const revert = Effect.fn("LibvirtDriver.snapshots.revert")(function* (name: string, snapshot: string) {
    const operation = "snapshots.revert"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        const current = yield* lifecycle.state(operation, name)
        if (current.power !== "stopped") return yield* ctx.errors.wrongPower(operation, name, current.power)
        const info = parseSnapshotXml(yield* ctx.call(operation, name, client.snapshotXml(name, snapshot)))
        // a memory image saved by an earlier revert belongs to another point in time
        yield* ctx.call(operation, name, client.managedSaveRemove(name))
        if (info.memory !== "internal") {
          return yield* ctx.call(operation, name, client.snapshotRevert(name, snapshot, { paused: false }))
        }
        // a checkpoint comes back as a paused QEMU: keep its memory for the next start, or drop it
        yield* ctx.call(operation, name, client.snapshotRevert(name, snapshot, { paused: true }))
        yield* hasMemory(info)
          ? ctx.call(operation, name, client.managedSave(name, { running: true }))
          : lifecycle.destroy(operation, name)
      }),
    )
  })

  const remove = Effect.fn("LibvirtDriver.snapshots.remove")(function* (name: string, snapshot: string) {
    const operation = "snapshots.remove"
    yield* ctx.exclusive(name)(
      ctx.call(
        operation,
        name,
        client.snapshotDelete(name, snapshot).pipe(
          Effect.catchIf(
            (error: LibvirtError) => error.kind === "snapshot-not-found",
            () => Effect.void,
          ),
        ),
      ),
    )
  })

  const list = Effect.fn("LibvirtDriver.snapshots.list")(function* (name: string) {
    const operation = "snapshots.list"
    const names = yield* ctx.call(operation, name, client.snapshotNames(name))
    if (names.length === 0) return []
    const snapshots = yield* Effect.forEach(names, (snapshot) =>
      ctx.call(operation, name, client.snapshotXml(name, snapshot)).pipe(Effect.map(parseSnapshotXml)),
    )
    // the memory is stored in the first disk's qcow2 (qcow2 accounts no disk data per internal snapshot)
    const firstDisk = parseDisks(yield* ctx.call(operation, name, client.dumpXml(name, { inactive: true }))).find(
      (disk) => disk.device === "disk" && disk.source !== undefined,
    )
    const sizes =
      firstDisk?.source === undefined ? new Map<string, number>() : yield* ctx.qemuImg.snapshotSizes(firstDisk.source)
    return snapshots.map(
      (snapshot): SnapshotInfo => ({
        name: snapshot.name,
        withMemory: hasMemory(snapshot),
        sizeBytes: hasMemory(snapshot) ? (sizes.get(snapshot.name) ?? 0) : 0,
        createdAt: snapshot.createdAt,
      }),
    )
  })

  return { create, revert, remove, list }
}
